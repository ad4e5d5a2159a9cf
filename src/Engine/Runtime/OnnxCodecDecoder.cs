using Microsoft.ML.OnnxRuntime;
using QwenTts.Engine.Model;
using QwenTts.Engine.Pipeline;

namespace QwenTts.Engine.Runtime;

/// <summary>tokenizer12hz_decode_chunk: codes of context + new frames in, samples of the new frames out.</summary>
internal sealed class OnnxCodecDecoder(ModelSessions sessions, RunOptions run, OrtTimer timer) : ICodecDecoder
{
    private static readonly string[] InputNames = ["audio_codes", "context_frames"];
    private static readonly string[] OutputNames = ["audio_values", "lengths"];

    private readonly InferenceSession _session = sessions[GraphNames.CodecDecodeChunk];
    private readonly int _codebooks = sessions.Manifest.Codec.Codebooks;
    private readonly long[] _context = new long[1];

    public float[] Decode(long[] codes, int frames, int contextFrames)
    {
        _context[0] = contextFrames;
        using var codesValue = FloatTensors.Int64(codes, frames * _codebooks, [1, frames, _codebooks]);
        using var contextValue = FloatTensors.Int64Scalar(_context);
        var started = timer.Start();
        using var results = _session.Run(run, InputNames, [codesValue, contextValue], OutputNames);
        timer.Stop(started);

        var produced = results[0].GetTensorTypeAndShape().ElementCount;
        var length = results[1].GetTensorDataAsSpan<long>()[0];
        var samples = new float[Math.Min(produced, length)];
        FloatTensors.Read(results[0], samples);
        return samples;
    }

    public void Dispose()
    {
    }
}
