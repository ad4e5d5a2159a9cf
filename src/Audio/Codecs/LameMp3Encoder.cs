namespace QwenTts.Audio.Codecs;

/// <summary>MP3 through libmp3lame (MPEG-2 Layer III at 24 kHz, mono, 64 kbit/s constant).</summary>
public sealed unsafe class LameMp3Encoder : IAudioEncoder
{
    private static readonly Lazy<Api> Native = new(() => new Api(NativeCodec.Load("libmp3lame.so.0", "libmp3lame0")));
    private readonly Api _api;
    private nint _lame;

    private readonly AiContentLabel? _label;

    public LameMp3Encoder(int sampleRate, int kbps = 64, AiContentLabel? label = null)
    {
        _label = label;
        _api = Native.Value;
        _lame = _api.Init();
        _api.SetInSampleRate(_lame, sampleRate);
        _api.SetOutSampleRate(_lame, sampleRate);
        _api.SetNumChannels(_lame, 1);
        _api.SetMode(_lame, 3); // MONO
        _api.SetBrate(_lame, kbps);
        _api.SetQuality(_lame, 5);
        if (_api.InitParams(_lame) < 0)
        {
            throw new InvalidOperationException("lame_init_params failed");
        }
    }

    public string ContentType => "audio/mpeg";

    /// <summary>The AI-content label as an ID3v2 tag in front of the first frame (none without a label).</summary>
    public byte[] Begin() => _label is null ? [] : Id3Tag.UserText(AiContentLabel.Key, _label.ToJson());

    public byte[] Encode(ReadOnlySpan<float> samples)
    {
        if (samples.IsEmpty)
        {
            return [];
        }

        // lame's documented worst case: 1.25 * samples + 7200 bytes.
        var buffer = new byte[(int)(1.25 * samples.Length) + 7200];
        int written;
        fixed (float* pcm = samples)
        fixed (byte* output = buffer)
        {
            written = _api.EncodeFloat(_lame, pcm, pcm, samples.Length, output, buffer.Length);
        }

        return written < 0 ? throw new InvalidOperationException($"lame_encode_buffer_ieee_float failed ({written})") : buffer[..written];
    }

    public byte[] End()
    {
        var buffer = new byte[7200];
        int written;
        fixed (byte* output = buffer)
        {
            written = _api.Flush(_lame, output, buffer.Length);
        }

        return written <= 0 ? [] : buffer[..written];
    }

    public void Dispose()
    {
        if (_lame != 0)
        {
            _api.Close(_lame);
            _lame = 0;
        }
    }

    private sealed class Api(nint lib)
    {
        public readonly delegate* unmanaged[Cdecl]<nint> Init = (delegate* unmanaged[Cdecl]<nint>)NativeCodec.Export(lib, "lame_init");
        public readonly delegate* unmanaged[Cdecl]<nint, int, int> SetInSampleRate = (delegate* unmanaged[Cdecl]<nint, int, int>)NativeCodec.Export(lib, "lame_set_in_samplerate");
        public readonly delegate* unmanaged[Cdecl]<nint, int, int> SetOutSampleRate = (delegate* unmanaged[Cdecl]<nint, int, int>)NativeCodec.Export(lib, "lame_set_out_samplerate");
        public readonly delegate* unmanaged[Cdecl]<nint, int, int> SetNumChannels = (delegate* unmanaged[Cdecl]<nint, int, int>)NativeCodec.Export(lib, "lame_set_num_channels");
        public readonly delegate* unmanaged[Cdecl]<nint, int, int> SetMode = (delegate* unmanaged[Cdecl]<nint, int, int>)NativeCodec.Export(lib, "lame_set_mode");
        public readonly delegate* unmanaged[Cdecl]<nint, int, int> SetBrate = (delegate* unmanaged[Cdecl]<nint, int, int>)NativeCodec.Export(lib, "lame_set_brate");
        public readonly delegate* unmanaged[Cdecl]<nint, int, int> SetQuality = (delegate* unmanaged[Cdecl]<nint, int, int>)NativeCodec.Export(lib, "lame_set_quality");
        public readonly delegate* unmanaged[Cdecl]<nint, int> InitParams = (delegate* unmanaged[Cdecl]<nint, int>)NativeCodec.Export(lib, "lame_init_params");
        public readonly delegate* unmanaged[Cdecl]<nint, float*, float*, int, byte*, int, int> EncodeFloat =
            (delegate* unmanaged[Cdecl]<nint, float*, float*, int, byte*, int, int>)NativeCodec.Export(lib, "lame_encode_buffer_ieee_float");
        public readonly delegate* unmanaged[Cdecl]<nint, byte*, int, int> Flush = (delegate* unmanaged[Cdecl]<nint, byte*, int, int>)NativeCodec.Export(lib, "lame_encode_flush");
        public readonly delegate* unmanaged[Cdecl]<nint, int> Close = (delegate* unmanaged[Cdecl]<nint, int>)NativeCodec.Export(lib, "lame_close");
    }
}
