using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace QwenTts.Audio.Codecs;

/// <summary>FLAC through libFLAC's stream encoder (16-bit mono, compression level 5), written as it is produced.</summary>
public sealed unsafe class FlacEncoder : IAudioEncoder
{
    private static readonly Lazy<Api> Native = new(() => new Api(NativeCodec.Load("libFLAC.so.12", "libflac12")));
    private readonly Api _api;
    private readonly MemoryStream _output = new();
    private GCHandle _self;
    private nint _encoder;

    public FlacEncoder(int sampleRate)
    {
        _api = Native.Value;
        _self = GCHandle.Alloc(this);
        _encoder = _api.New();
        _api.SetChannels(_encoder, 1);
        _api.SetBitsPerSample(_encoder, 16);
        _api.SetSampleRate(_encoder, (uint)sampleRate);
        _api.SetCompressionLevel(_encoder, 5);
        var status = _api.InitStream(_encoder, &OnWrite, 0, 0, 0, GCHandle.ToIntPtr(_self));
        if (status != 0)
        {
            Dispose();
            throw new InvalidOperationException($"FLAC__stream_encoder_init_stream failed ({status})");
        }
    }

    public string ContentType => "audio/flac";

    public byte[] Begin() => Take();

    public byte[] Encode(ReadOnlySpan<float> samples)
    {
        if (samples.IsEmpty)
        {
            return [];
        }

        var pcm = new int[samples.Length];
        for (var i = 0; i < samples.Length; i++)
        {
            pcm[i] = (int)MathF.Round(Math.Clamp(samples[i], -1f, 1f) * short.MaxValue);
        }

        fixed (int* buffer = pcm)
        {
            if (_api.ProcessInterleaved(_encoder, buffer, (uint)pcm.Length) == 0)
            {
                throw new InvalidOperationException("FLAC__stream_encoder_process_interleaved failed");
            }
        }

        return Take();
    }

    public byte[] End()
    {
        _api.Finish(_encoder);
        return Take();
    }

    public void Dispose()
    {
        if (_encoder != 0)
        {
            _api.Delete(_encoder);
            _encoder = 0;
        }

        if (_self.IsAllocated)
        {
            _self.Free();
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnWrite(nint encoder, byte* buffer, nuint bytes, uint samples, uint frame, nint client)
    {
        NativeCodec.Target<FlacEncoder>(client)._output.Write(new ReadOnlySpan<byte>(buffer, (int)bytes));
        return 0; // FLAC__STREAM_ENCODER_WRITE_STATUS_OK
    }

    private byte[] Take()
    {
        var bytes = _output.ToArray();
        _output.SetLength(0);
        return bytes;
    }

    private sealed class Api(nint lib)
    {
        public readonly delegate* unmanaged[Cdecl]<nint> New = (delegate* unmanaged[Cdecl]<nint>)NativeCodec.Export(lib, "FLAC__stream_encoder_new");
        public readonly delegate* unmanaged[Cdecl]<nint, uint, int> SetChannels = (delegate* unmanaged[Cdecl]<nint, uint, int>)NativeCodec.Export(lib, "FLAC__stream_encoder_set_channels");
        public readonly delegate* unmanaged[Cdecl]<nint, uint, int> SetBitsPerSample = (delegate* unmanaged[Cdecl]<nint, uint, int>)NativeCodec.Export(lib, "FLAC__stream_encoder_set_bits_per_sample");
        public readonly delegate* unmanaged[Cdecl]<nint, uint, int> SetSampleRate = (delegate* unmanaged[Cdecl]<nint, uint, int>)NativeCodec.Export(lib, "FLAC__stream_encoder_set_sample_rate");
        public readonly delegate* unmanaged[Cdecl]<nint, uint, int> SetCompressionLevel = (delegate* unmanaged[Cdecl]<nint, uint, int>)NativeCodec.Export(lib, "FLAC__stream_encoder_set_compression_level");
        public readonly delegate* unmanaged[Cdecl]<nint, delegate* unmanaged[Cdecl]<nint, byte*, nuint, uint, uint, nint, int>, nint, nint, nint, nint, int> InitStream =
            (delegate* unmanaged[Cdecl]<nint, delegate* unmanaged[Cdecl]<nint, byte*, nuint, uint, uint, nint, int>, nint, nint, nint, nint, int>)NativeCodec.Export(lib, "FLAC__stream_encoder_init_stream");
        public readonly delegate* unmanaged[Cdecl]<nint, int*, uint, int> ProcessInterleaved = (delegate* unmanaged[Cdecl]<nint, int*, uint, int>)NativeCodec.Export(lib, "FLAC__stream_encoder_process_interleaved");
        public readonly delegate* unmanaged[Cdecl]<nint, int> Finish = (delegate* unmanaged[Cdecl]<nint, int>)NativeCodec.Export(lib, "FLAC__stream_encoder_finish");
        public readonly delegate* unmanaged[Cdecl]<nint, void> Delete = (delegate* unmanaged[Cdecl]<nint, void>)NativeCodec.Export(lib, "FLAC__stream_encoder_delete");
    }
}
