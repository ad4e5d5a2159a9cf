using System.Runtime.InteropServices;

namespace QwenTts.Audio.Codecs;

/// <summary>Loads a codec's shared library once, with a message that names the package when it is missing.</summary>
internal static class NativeCodec
{
    public static nint Load(string library, string debianPackage) =>
        NativeLibrary.TryLoad(library, out var handle)
            ? handle
            : throw new CodecUnavailableException($"{library} is not installed on this host: apt-get install {debianPackage}.");

    public static nint Export(nint library, string name) => NativeLibrary.GetExport(library, name);

    /// <summary>The encoder object behind a native callback's user data.</summary>
    public static T Target<T>(nint handle) where T : class => (T)GCHandle.FromIntPtr(handle).Target!;

    /// <summary>A string as C wants it: UTF-8 ending in a NUL.</summary>
    public static byte[] Utf8(string value) => [.. System.Text.Encoding.UTF8.GetBytes(value), 0];
}
