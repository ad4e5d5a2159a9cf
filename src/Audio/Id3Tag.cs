using System.Text;

namespace QwenTts.Audio;

/// <summary>
/// An ID3v2.4 tag with one user text frame (TXXX), put in front of an MP3 or ADTS AAC stream: how the AI-content label
/// travels in formats whose frames have no room for metadata. Decoders skip the tag; tag readers show the frame under
/// its description.
/// </summary>
public static class Id3Tag
{
    public static byte[] UserText(string description, string value)
    {
        // TXXX: text encoding 3 (UTF-8), the description ending in a NUL, then the value.
        byte[] body = [3, .. Encoding.UTF8.GetBytes(description), 0, .. Encoding.UTF8.GetBytes(value)];
        byte[] frame = [.. "TXXX"u8, .. SyncSafe(body.Length), 0, 0, .. body];
        return [.. "ID3"u8, 4, 0, 0, .. SyncSafe(frame.Length), .. frame];
    }

    /// <summary>ID3's sizes: 28 bits, 7 to a byte, so no size byte looks like an MPEG sync.</summary>
    private static byte[] SyncSafe(int size) =>
        [(byte)((size >> 21) & 0x7F), (byte)((size >> 14) & 0x7F), (byte)((size >> 7) & 0x7F), (byte)(size & 0x7F)];
}
