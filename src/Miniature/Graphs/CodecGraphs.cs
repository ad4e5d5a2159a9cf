using QwenTts.Graphs;
using QwenTts.Engine.Model;

namespace QwenTts.Miniature.Graphs;

/// <summary>The 12 Hz speech tokenizer's encoder and the Base model's speaker encoder, scaled down (decoder: CodecDecoderGraph).</summary>
public static class CodecGraphs
{
    /// <summary>audio [1,N] at 24 kHz -> codes [1,T,16], T = ceil(N/1920): a frame-wise projection and argmax per codebook.</summary>
    public static OnnxGraphBuilder Encode(GraphContext c)
    {
        var codec = c.Manifest.Codec;
        var g = c.NewGraph(GraphNames.CodecEncode);
        var audio = c.FloatInput(g, "audio", 1, "N");

        var length = g.DimSize(audio, 1);
        var frame = g.Int64Scalar(codec.SamplesPerFrame);
        var missing = g.Node("Mod", [g.Sub(frame, g.Node("Mod", [length, frame])), frame]);
        var padded = g.Node("Pad", [audio, g.Concat(0, g.Int64Vector(0, 0, 0), g.Unsqueeze(missing, 0))]);
        var frames = g.Reshape(padded, 1, -1, codec.SamplesPerFrame);
        var features = g.Tanh(g.Linear(frames, "encoder.frame_proj", codec.SamplesPerFrame, 64, bias: true));
        var logits = g.Linear(features, "encoder.quantizer", 64, (long)codec.Codebooks * codec.CodebookSize, bias: false);
        var codes = g.Node("ArgMax", [g.Reshape(logits, 0, 0, codec.Codebooks, codec.CodebookSize)], n =>
        {
            n.Attribute.Add(OnnxGraphBuilder.IntAttribute("axis", 3));
            n.Attribute.Add(OnnxGraphBuilder.IntAttribute("keepdims", 0));
        });
        g.Output(codes, "codes", OnnxGraphBuilder.Int64, 1, "T", codec.Codebooks);
        return g;
    }

    /// <summary>mel [1,T,128] -> x-vector [1,H] of talker width: a frame projection, mean over time, projection.</summary>
    public static OnnxGraphBuilder SpeakerEncoder(GraphContext c)
    {
        var g = c.NewGraph(GraphNames.SpeakerEncoder);
        var mel = c.FloatInput(g, "mel", 1, "T", c.Manifest.Codec.MelBins);
        var frames = g.Tanh(g.Linear(mel, "speaker.frame_proj", c.Manifest.Codec.MelBins, c.Spec.SpeakerWidth, bias: true));
        var pooled = g.Node("ReduceMean", [frames], n =>
        {
            n.Attribute.Add(OnnxGraphBuilder.IntsAttribute("axes", 1));
            n.Attribute.Add(OnnxGraphBuilder.IntAttribute("keepdims", 0));
        });
        var embedding = g.Linear(pooled, "speaker.out_proj", c.Spec.SpeakerWidth, c.Spec.Talker.Hidden, bias: true);
        c.FloatOutput(g, embedding, "speaker_embedding", 1, c.Spec.Talker.Hidden);
        return g;
    }
}
