namespace Nexus.Crds.Entities;

/// <summary>Clipping text to a stated bound, the one way every bounded answer and stored message is cut.</summary>
public static class TextBounds
{
    /// <summary><paramref name="text"/> whole when it fits, else its start and "..." in exactly <paramref name="max"/> characters.</summary>
    public static string Clip(string? text, int max) =>
        text is null ? "" : text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 3), "...");
}
