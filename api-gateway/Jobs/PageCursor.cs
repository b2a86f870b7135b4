using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Nexus.Gateway.Jobs;

/// <summary>
/// The position after the last job of a page in newest-first order: (created_at millisecond, REST id), carrying the
/// job's object name as cursors always have (so cursors handed out before stay valid). Opaque to clients
/// (base64url); stable while jobs are added, since new jobs sort before any cursor, and while jobs move from etcd to
/// the history database, since a job keeps its place in the order wherever it is.
/// </summary>
public readonly record struct PageCursor(long CreatedAtMs, string Name)
{
    private const string Version = "v1";

    public string Encode() => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(
        string.Create(CultureInfo.InvariantCulture, $"{Version}|{CreatedAtMs}|{Name}")));

    public static bool TryDecode(string text, out PageCursor cursor)
    {
        cursor = default;
        try
        {
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text)).Split('|', 3);
            if (parts.Length != 3 || parts[0] != Version || parts[2].Length == 0) return false;
            if (!long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms)) return false;
            cursor = new PageCursor(ms, parts[2]);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>The REST id of the job the cursor is at: the order's second key, as the history database sorts it.</summary>
    public string Id => Nexus.Crds.Entities.ResourceIds.JobIdFromName(Name);

    /// <summary>The cursor after a job of the given creation millisecond and REST id.</summary>
    public static PageCursor After(long createdAtMs, string id) =>
        new(createdAtMs, Nexus.Crds.Entities.ResourceIds.TryJobNameFromId(id, out var name) ? name : id);

    /// <summary>True when a job at (createdAtMs, REST id) comes after this cursor in newest-first order.</summary>
    public bool IsBefore(long createdAtMs, string id) =>
        createdAtMs < CreatedAtMs || (createdAtMs == CreatedAtMs && string.CompareOrdinal(id, Id) < 0);
}
