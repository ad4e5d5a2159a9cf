using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace QwenTts.Audio.Codecs;

/// <summary>Opus in an Ogg container (what OpenAI's "opus" format is) through libopusenc, mono.</summary>
public sealed unsafe class OggOpusEncoder : IAudioEncoder
{
    private static readonly Lazy<Api> Native = new(() => new Api(NativeCodec.Load("libopusenc.so.0", "libopusenc0")));
    private readonly Api _api;
    private readonly MemoryStream _output = new();
    private readonly nint* _callbacks;
    private GCHandle _self;
    private nint _comments;
    private nint _encoder;

    public OggOpusEncoder(int sampleRate, AiContentLabel? label = null)
    {
        _api = Native.Value;
        _self = GCHandle.Alloc(this);
        // OpusEncCallbacks { write, close }.
        _callbacks = (nint*)NativeMemory.Alloc((nuint)(2 * sizeof(nint)));
        _callbacks[0] = (nint)(delegate* unmanaged[Cdecl]<nint, byte*, int, int>)&OnWrite;
        _callbacks[1] = (nint)(delegate* unmanaged[Cdecl]<nint, int>)&OnClose;
        _comments = _api.CommentsCreate();
        if (label is not null)
        {
            // The AI-content label as a Vorbis comment in the OpusTags header.
            fixed (byte* tag = NativeCodec.Utf8(AiContentLabel.Key))
            fixed (byte* value = NativeCodec.Utf8(label.ToJson()))
            {
                _api.CommentsAdd(_comments, tag, value);
            }
        }

        int error;
        _encoder = _api.CreateCallbacks((nint)_callbacks, GCHandle.ToIntPtr(_self), _comments, sampleRate, 1, 0, &error);
        if (_encoder == 0)
        {
            Dispose();
            throw new InvalidOperationException($"ope_encoder_create_callbacks failed ({error})");
        }
    }

    public string ContentType => "audio/ogg";

    public byte[] Begin()
    {
        _api.FlushHeader(_encoder);
        return Take();
    }

    public byte[] Encode(ReadOnlySpan<float> samples)
    {
        if (samples.IsEmpty)
        {
            return [];
        }

        fixed (float* pcm = samples)
        {
            var result = _api.WriteFloat(_encoder, pcm, samples.Length);
            if (result != 0)
            {
                throw new InvalidOperationException($"ope_encoder_write_float failed ({result})");
            }
        }

        return Take();
    }

    public byte[] End()
    {
        _api.Drain(_encoder);
        return Take();
    }

    public void Dispose()
    {
        if (_encoder != 0)
        {
            _api.Destroy(_encoder);
            _encoder = 0;
        }

        if (_comments != 0)
        {
            _api.CommentsDestroy(_comments);
            _comments = 0;
        }

        NativeMemory.Free(_callbacks);
        if (_self.IsAllocated)
        {
            _self.Free();
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnWrite(nint user, byte* data, int length)
    {
        NativeCodec.Target<OggOpusEncoder>(user)._output.Write(new ReadOnlySpan<byte>(data, length));
        return 0;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnClose(nint user) => 0;

    private byte[] Take()
    {
        var bytes = _output.ToArray();
        _output.SetLength(0);
        return bytes;
    }

    private sealed class Api(nint lib)
    {
        public readonly delegate* unmanaged[Cdecl]<nint> CommentsCreate = (delegate* unmanaged[Cdecl]<nint>)NativeCodec.Export(lib, "ope_comments_create");
        public readonly delegate* unmanaged[Cdecl]<nint, byte*, byte*, int> CommentsAdd = (delegate* unmanaged[Cdecl]<nint, byte*, byte*, int>)NativeCodec.Export(lib, "ope_comments_add");
        public readonly delegate* unmanaged[Cdecl]<nint, void> CommentsDestroy = (delegate* unmanaged[Cdecl]<nint, void>)NativeCodec.Export(lib, "ope_comments_destroy");
        public readonly delegate* unmanaged[Cdecl]<nint, nint, nint, int, int, int, int*, nint> CreateCallbacks =
            (delegate* unmanaged[Cdecl]<nint, nint, nint, int, int, int, int*, nint>)NativeCodec.Export(lib, "ope_encoder_create_callbacks");
        public readonly delegate* unmanaged[Cdecl]<nint, float*, int, int> WriteFloat = (delegate* unmanaged[Cdecl]<nint, float*, int, int>)NativeCodec.Export(lib, "ope_encoder_write_float");
        public readonly delegate* unmanaged[Cdecl]<nint, int> FlushHeader = (delegate* unmanaged[Cdecl]<nint, int>)NativeCodec.Export(lib, "ope_encoder_flush_header");
        public readonly delegate* unmanaged[Cdecl]<nint, int> Drain = (delegate* unmanaged[Cdecl]<nint, int>)NativeCodec.Export(lib, "ope_encoder_drain");
        public readonly delegate* unmanaged[Cdecl]<nint, void> Destroy = (delegate* unmanaged[Cdecl]<nint, void>)NativeCodec.Export(lib, "ope_encoder_destroy");
    }
}
