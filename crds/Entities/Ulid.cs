using System.Security.Cryptography;

namespace Nexus.Crds.Entities;

/// <summary>
/// ULIDs (48-bit millisecond time + 80 random bits, Crockford base32, 26 characters): sortable by creation,
/// unique without coordination, and lossless between the REST id (upper case) and the object name (lower case).
/// </summary>
public static class Ulid
{
    public const int Length = 26;
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    private static readonly Lock Gate = new();
    private static long _lastMs = -1;
    private static readonly byte[] LastRandom = new byte[10];

    /// <summary>
    /// A new ULID, monotonic within this process: one made in the same millisecond as the previous one takes the
    /// previous random part plus one, so ids made in a burst still sort in the order they were made.
    /// </summary>
    public static string NewUlid() => NewUlid(DateTimeOffset.UtcNow);

    public static string NewUlid(DateTimeOffset time)
    {
        Span<byte> bytes = stackalloc byte[16];
        var ms = time.ToUnixTimeMilliseconds();
        lock (Gate)
        {
            if (ms != _lastMs || !IncrementLastRandom())
            {
                RandomNumberGenerator.Fill(LastRandom);
                _lastMs = ms;
            }
            LastRandom.CopyTo(bytes[6..]);
        }
        var t = (ulong)ms;
        for (var i = 5; i >= 0; i--)
        {
            bytes[i] = (byte)(t & 0xFF);
            t >>= 8;
        }
        return Encode(bytes);
    }

    /// <summary>Adds one to the 80-bit random part; false when it would overflow (then a fresh one is drawn).</summary>
    private static bool IncrementLastRandom()
    {
        for (var i = LastRandom.Length - 1; i >= 0; i--)
        {
            if (++LastRandom[i] != 0) return true;
        }
        return false;
    }

    /// <summary>True for 26 Crockford base32 characters (either case) whose value fits 128 bits.</summary>
    public static bool IsValid(ReadOnlySpan<char> text)
    {
        if (text.Length != Length) return false;
        // The first character carries only 3 bits: anything above 7 overflows 128 bits.
        if (Value(text[0]) is < 0 or > 7) return false;
        foreach (var c in text)
        {
            if (Value(c) < 0) return false;
        }
        return true;
    }

    /// <summary>The creation time encoded in a valid ULID.</summary>
    public static DateTimeOffset Time(ReadOnlySpan<char> ulid)
    {
        long ms = 0;
        for (var i = 0; i < 10; i++) ms = (ms << 5) | (long)Value(ulid[i]);
        return DateTimeOffset.FromUnixTimeMilliseconds(ms);
    }

    private static string Encode(ReadOnlySpan<byte> bytes)
    {
        var value = new UInt128(
            BitConverter.ToUInt64([bytes[7], bytes[6], bytes[5], bytes[4], bytes[3], bytes[2], bytes[1], bytes[0]]),
            BitConverter.ToUInt64([bytes[15], bytes[14], bytes[13], bytes[12], bytes[11], bytes[10], bytes[9], bytes[8]]));
        Span<char> chars = stackalloc char[Length];
        for (var i = Length - 1; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }
        return new string(chars);
    }

    private static int Value(char c)
    {
        var upper = char.ToUpperInvariant(c);
        return Alphabet.IndexOf(upper);
    }
}
