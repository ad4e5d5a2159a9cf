using QwenTts.Engine.Model;

namespace QwenTts.Engine.Pipeline;

/// <summary>
/// Turns frames into audio as they arrive, with the official recipe of the chunk decoder: each chunk is decoded with
/// up to 25 frames of left context and only its new frames' samples are kept. The first chunk can be shorter, so
/// the first audio comes early.
/// </summary>
public sealed class StreamingCodecDecoder(ICodecDecoder decoder, CodecShape codec, int firstChunkFrames, int chunkFrames)
{
    private readonly List<long> _codes = [];
    private int _frames;
    private int _decodedFrames;
    private int _chunksDone;

    /// <summary>Frames decoded as context only (an ICL reference), never emitted.</summary>
    public void SeedContext(long[] referenceCodes, int frames)
    {
        if (_frames != 0)
        {
            throw new InvalidOperationException("Seed the context before the first frame.");
        }

        _codes.AddRange(referenceCodes.AsSpan(0, frames * codec.Codebooks).ToArray());
        _frames = frames;
        _decodedFrames = frames;
    }

    /// <summary>Adds a frame; returns the samples of a chunk once enough frames are pending, else null.</summary>
    public float[]? Push(IReadOnlyList<int> frame)
    {
        foreach (var code in frame)
        {
            _codes.Add(code);
        }

        _frames++;
        var wanted = _chunksDone == 0 ? firstChunkFrames : chunkFrames;
        return _frames - _decodedFrames >= wanted ? DecodePending() : null;
    }

    /// <summary>Decodes whatever is pending (end of utterance); null when nothing is.</summary>
    public float[]? Flush() => _frames > _decodedFrames ? DecodePending() : null;

    private float[] DecodePending()
    {
        var context = Math.Min(codec.LeftContextFrames, _decodedFrames);
        var start = _decodedFrames - context;
        var frames = _frames - start;
        var codes = new long[frames * codec.Codebooks];
        _codes.CopyTo(start * codec.Codebooks, codes, 0, codes.Length);
        var samples = decoder.Decode(codes, frames, context);
        _decodedFrames = _frames;
        _chunksDone++;
        return samples;
    }

    /// <summary>The official whole-utterance decode: chunks of 300 frames with 25 frames of left context.</summary>
    public static float[] DecodeWhole(ICodecDecoder decoder, CodecShape codec, IReadOnlyList<int[]> frames)
    {
        var whole = new StreamingCodecDecoder(decoder, codec, codec.DecodeChunkFrames, codec.DecodeChunkFrames);
        var audio = new List<float>();
        foreach (var frame in frames)
        {
            if (whole.Push(frame) is { } chunk)
            {
                audio.AddRange(chunk);
            }
        }

        if (whole.Flush() is { } rest)
        {
            audio.AddRange(rest);
        }

        return [.. audio];
    }
}
