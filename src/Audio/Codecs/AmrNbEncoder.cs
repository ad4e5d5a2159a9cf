namespace QwenTts.Audio.Codecs;

/// <summary>
/// AMR-NB (the format of chat-app voice messages) through libopencore-amrnb: 8 kHz mono, 20 ms frames of 160
/// samples, 12.2 kbit/s, written as an RFC 4867 storage file ("#!AMR\n" then the frames with their ToC bytes).
/// The 24 kHz input is resampled with an anti-aliasing filter first.
/// </summary>
public static unsafe class AmrNbEncoder
{
    public const int SampleRate = 8000;
    public const string ContentType = "audio/amr";
    private const int FrameSamples = 160;
    private const int Mode122 = 7; // MR122
    private static readonly Lazy<Api> Native = new(() => new Api(NativeCodec.Load("libopencore-amrnb.so.0", "libopencore-amrnb0")));

    /// <summary>Checks the library is there (for start-up checks and tests).</summary>
    public static void EnsureAvailable() => _ = Native.Value;

    public static byte[] Encode(ReadOnlySpan<float> samples, int sampleRate)
    {
        var api = Native.Value;
        var narrow = Resampling.Resample(samples, sampleRate, SampleRate);
        var frames = (narrow.Length + FrameSamples - 1) / FrameSamples;
        using var file = new MemoryStream(6 + (frames * 32));
        file.Write("#!AMR\n"u8);
        var state = api.Init(0);
        if (state == 0)
        {
            throw new InvalidOperationException("Encoder_Interface_init failed");
        }

        try
        {
            var pcm = stackalloc short[FrameSamples];
            var packet = stackalloc byte[64];
            for (var frame = 0; frame < frames; frame++)
            {
                for (var i = 0; i < FrameSamples; i++)
                {
                    var at = (frame * FrameSamples) + i;
                    var value = at < narrow.Length ? narrow[at] : 0f;
                    pcm[i] = (short)Math.Clamp(MathF.Round(value * 32767f), short.MinValue, short.MaxValue);
                }

                var written = api.Encode(state, Mode122, pcm, packet, 0);
                if (written <= 0)
                {
                    throw new InvalidOperationException($"Encoder_Interface_Encode failed ({written})");
                }

                file.Write(new ReadOnlySpan<byte>(packet, written));
            }
        }
        finally
        {
            api.Exit(state);
        }

        return file.ToArray();
    }

    private sealed class Api(nint lib)
    {
        public readonly delegate* unmanaged[Cdecl]<int, nint> Init = (delegate* unmanaged[Cdecl]<int, nint>)NativeCodec.Export(lib, "Encoder_Interface_init");
        public readonly delegate* unmanaged[Cdecl]<nint, void> Exit = (delegate* unmanaged[Cdecl]<nint, void>)NativeCodec.Export(lib, "Encoder_Interface_exit");
        public readonly delegate* unmanaged[Cdecl]<nint, int, short*, byte*, int, int> Encode =
            (delegate* unmanaged[Cdecl]<nint, int, short*, byte*, int, int>)NativeCodec.Export(lib, "Encoder_Interface_Encode");
    }
}
