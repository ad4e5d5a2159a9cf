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
    private nint _comment; // the VORBIS_COMMENT block with the AI-content label; libFLAC needs it until the stream is finished
    private nint* _blocks;

    public FlacEncoder(int sampleRate, AiContentLabel? label = null)
    {
        _api = Native.Value;
        _self = GCHandle.Alloc(this);
        _encoder = _api.New();
        _api.SetChannels(_encoder, 1);
        _api.SetBitsPerSample(_encoder, 16);
        _api.SetSampleRate(_encoder, (uint)sampleRate);
        _api.SetCompressionLevel(_encoder, 5);
        if (label is not null)
        {
            AddLabel(label);
        }

        var status = _api.InitStream(_encoder, &OnWrite, 0, 0, 0, GCHandle.ToIntPtr(_self));
        if (status != 0)
        {
            Dispose();
            throw new InvalidOperationException($"FLAC__stream_encoder_init_stream failed ({status})");
        }
    }

    public string ContentType => "audio/flac";

    /// <summary>The AI-content label as a Vorbis comment in a VORBIS_COMMENT metadata block, written with the stream's header.</summary>
    private void AddLabel(AiContentLabel label)
    {
        _comment = _api.MetadataNew(4); // FLAC__METADATA_TYPE_VORBIS_COMMENT
        CommentEntry entry;
        fixed (byte* name = NativeCodec.Utf8(AiContentLabel.Key))
        fixed (byte* value = NativeCodec.Utf8(label.ToJson()))
        {
            if (_comment == 0 || _api.EntryFromNameValue(&entry, name, value) == 0 || _api.AppendComment(_comment, entry, 0) == 0)
            {
                Dispose();
                throw new InvalidOperationException("libFLAC could not make the VORBIS_COMMENT block");
            }
        }

        _blocks = (nint*)NativeMemory.Alloc((nuint)sizeof(nint));
        _blocks[0] = _comment;
        _api.SetMetadata(_encoder, _blocks, 1);
    }

    /// <summary>FLAC__StreamMetadata_VorbisComment_Entry.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct CommentEntry
    {
        public uint Length;
        public byte* Entry;
    }

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

        if (_comment != 0)
        {
            _api.MetadataDelete(_comment);
            _comment = 0;
        }

        if (_blocks != null)
        {
            NativeMemory.Free(_blocks);
            _blocks = null;
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
        public readonly delegate* unmanaged[Cdecl]<nint, nint*, uint, int> SetMetadata = (delegate* unmanaged[Cdecl]<nint, nint*, uint, int>)NativeCodec.Export(lib, "FLAC__stream_encoder_set_metadata");
        public readonly delegate* unmanaged[Cdecl]<int, nint> MetadataNew = (delegate* unmanaged[Cdecl]<int, nint>)NativeCodec.Export(lib, "FLAC__metadata_object_new");
        public readonly delegate* unmanaged[Cdecl]<nint, void> MetadataDelete = (delegate* unmanaged[Cdecl]<nint, void>)NativeCodec.Export(lib, "FLAC__metadata_object_delete");
        public readonly delegate* unmanaged[Cdecl]<CommentEntry*, byte*, byte*, int> EntryFromNameValue =
            (delegate* unmanaged[Cdecl]<CommentEntry*, byte*, byte*, int>)NativeCodec.Export(lib, "FLAC__metadata_object_vorbiscomment_entry_from_name_value_pair");
        public readonly delegate* unmanaged[Cdecl]<nint, CommentEntry, int, int> AppendComment =
            (delegate* unmanaged[Cdecl]<nint, CommentEntry, int, int>)NativeCodec.Export(lib, "FLAC__metadata_object_vorbiscomment_append_comment");
    }
}
