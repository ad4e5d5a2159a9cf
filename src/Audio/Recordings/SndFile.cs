using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using QwenTts.Audio.Codecs;

namespace QwenTts.Audio.Recordings;

/// <summary>
/// Reads an in-memory audio file through libsndfile's virtual I/O (WAV, FLAC, Ogg Vorbis/Opus, MP3 with libsndfile
/// 1.1+): interleaved float samples, the sample rate and channel count as the file declares them.
/// </summary>
internal sealed unsafe class SndFile
{
    private const int ReadMode = 0x10; // SFM_READ
    private static readonly Lazy<Api> Native = new(() => new Api(NativeCodec.Load("libsndfile.so.1", "libsndfile1")));
    private readonly byte[] _bytes;
    private long _position;

    private SndFile(byte[] bytes) => _bytes = bytes;

    /// <summary>The decoded audio, or null with libsndfile's reason when the bytes are not a file it can read.</summary>
    public static (float[] Interleaved, int SampleRate, int Channels)? Read(byte[] bytes, int maxFrames, out string? error)
    {
        var api = Native.Value;
        var reader = new SndFile(bytes);
        var self = GCHandle.Alloc(reader);
        try
        {
            var io = new VirtualIo { Length = &OnLength, Seek = &OnSeek, Read = &OnRead, Write = &OnWrite, Tell = &OnTell };
            var info = default(Info);
            var file = api.OpenVirtual(&io, ReadMode, &info, GCHandle.ToIntPtr(self));
            if (file == 0)
            {
                error = Marshal.PtrToStringUTF8(api.StrError(0)) ?? "unreadable";
                return null;
            }

            try
            {
                if (info.Channels <= 0 || info.SampleRate <= 0)
                {
                    error = "no audio channels";
                    return null;
                }

                // Frames may be unknown (mp3, ogg): read in blocks up to the caller's bound.
                var samples = new List<float>();
                var block = new float[4096 * info.Channels];
                long frames = 0;
                fixed (float* buffer = block)
                {
                    long read;
                    while (frames <= maxFrames && (read = api.ReadFloat(file, buffer, 4096)) > 0)
                    {
                        samples.AddRange(block.AsSpan(0, (int)read * info.Channels));
                        frames += read;
                    }
                }

                error = null;
                return (samples.ToArray(), info.SampleRate, info.Channels);
            }
            finally
            {
                api.Close(file);
            }
        }
        finally
        {
            self.Free();
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static long OnLength(nint user) => NativeCodec.Target<SndFile>(user)._bytes.Length;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static long OnSeek(long offset, int whence, nint user)
    {
        var self = NativeCodec.Target<SndFile>(user);
        var target = whence switch { 0 => offset, 1 => self._position + offset, _ => self._bytes.Length + offset };
        self._position = Math.Clamp(target, 0, self._bytes.Length);
        return self._position;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static long OnRead(void* destination, long count, nint user)
    {
        var self = NativeCodec.Target<SndFile>(user);
        var n = (int)Math.Min(count, self._bytes.Length - self._position);
        if (n <= 0)
        {
            return 0;
        }

        self._bytes.AsSpan((int)self._position, n).CopyTo(new Span<byte>(destination, n));
        self._position += n;
        return n;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static long OnWrite(void* source, long count, nint user) => 0;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static long OnTell(nint user) => NativeCodec.Target<SndFile>(user)._position;

    [StructLayout(LayoutKind.Sequential)]
    private struct VirtualIo
    {
        public delegate* unmanaged[Cdecl]<nint, long> Length;
        public delegate* unmanaged[Cdecl]<long, int, nint, long> Seek;
        public delegate* unmanaged[Cdecl]<void*, long, nint, long> Read;
        public delegate* unmanaged[Cdecl]<void*, long, nint, long> Write;
        public delegate* unmanaged[Cdecl]<nint, long> Tell;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Info
    {
        public long Frames;
        public int SampleRate;
        public int Channels;
        public int Format;
        public int Sections;
        public int Seekable;
    }

    private sealed class Api(nint lib)
    {
        public readonly delegate* unmanaged[Cdecl]<VirtualIo*, int, Info*, nint, nint> OpenVirtual =
            (delegate* unmanaged[Cdecl]<VirtualIo*, int, Info*, nint, nint>)NativeCodec.Export(lib, "sf_open_virtual");
        public readonly delegate* unmanaged[Cdecl]<nint, float*, long, long> ReadFloat = (delegate* unmanaged[Cdecl]<nint, float*, long, long>)NativeCodec.Export(lib, "sf_readf_float");
        public readonly delegate* unmanaged[Cdecl]<nint, int> Close = (delegate* unmanaged[Cdecl]<nint, int>)NativeCodec.Export(lib, "sf_close");
        public readonly delegate* unmanaged[Cdecl]<nint, nint> StrError = (delegate* unmanaged[Cdecl]<nint, nint>)NativeCodec.Export(lib, "sf_strerror");
    }
}
