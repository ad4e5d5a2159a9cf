using Microsoft.ML.OnnxRuntime;
using QwenTts.Engine.Model;
using QwenTts.Engine.Pipeline;

namespace QwenTts.Engine.Runtime;

/// <summary>
/// tokenizer12hz_decode_chunk: codes of context + new frames in, samples of the new frames out. The samples kept are
/// (frames - context) x 1920 of audio_values, never what <c>lengths</c> says (it is [1,1] in the export and unreliable
/// on some ORT/CUDA builds). With static shapes the codes are right-padded to a fixed frame count: the decoder is
/// causal, so trailing frames change nothing before them, and their samples are cut.
/// </summary>
internal sealed class OnnxCodecDecoder(ModelSessions sessions, RunOptions run, OrtTimer timer, IReadOnlyList<int>? paddedFrames = null) : ICodecDecoder
{
    private static readonly string[] InputNames = ["audio_codes", "context_frames"];
    private static readonly string[] OutputNames = ["audio_values"];

    private readonly InferenceSession _session = sessions[GraphNames.CodecDecodeChunk];
    private readonly CodecShape _codec = sessions.Manifest.Codec;
    private readonly long[] _context = new long[1];

    public float[] Decode(long[] codes, int frames, int contextFrames)
    {
        if (frames > _codec.MaxDecodeFrames)
        {
            throw new ArgumentOutOfRangeException(nameof(frames), $"The chunk decoder takes at most {_codec.MaxDecodeFrames} frames a call; asked {frames}.");
        }

        var padded = paddedFrames is null ? frames : StaticShapeOptions.Smallest(paddedFrames, frames, "decode frames", "a chunk");
        var input = codes;
        if (padded > frames)
        {
            input = new long[padded * _codec.Codebooks];
            codes.AsSpan(0, frames * _codec.Codebooks).CopyTo(input);
        }

        _context[0] = contextFrames;
        using var codesValue = FloatTensors.Int64(input, padded * _codec.Codebooks, [1, padded, _codec.Codebooks]);
        using var contextValue = FloatTensors.Int64Scalar(_context);
        var started = timer.Start();
        using var results = _session.Run(run, InputNames, [codesValue, contextValue], OutputNames);
        timer.Stop(started, GraphNames.CodecDecodeChunk);

        var expected = (frames - contextFrames) * _codec.SamplesPerFrame;
        var produced = results[0].GetTensorTypeAndShape().ElementCount;
        if (produced < expected)
        {
            throw new InvalidOperationException(
                $"Graph '{GraphNames.CodecDecodeChunk}' returned {produced} samples for {frames - contextFrames} new frames; expected {expected}.");
        }

        var samples = new float[expected];
        FloatTensors.Read(results[0], samples);
        return samples;
    }

    public void Dispose()
    {
    }
}
