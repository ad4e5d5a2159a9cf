using QwenTts.Engine.Model;
using QwenTts.Engine.Runtime;

namespace QwenTts.Engine.Pipeline;

/// <summary>
/// Turns frames into audio as they arrive. The first chunk is small, so the first audio comes early; later chunks grow
/// (each twice the last, up to a cap) and carry left context, and no call passes the chunk graph's 325-frame limit.
/// The decoder is causal with a long receptive field, so a streamed seam differs a little from the official whole
/// decode (<see cref="DecodeWhole"/>); model-check measures by how much.
/// </summary>
public sealed class StreamingCodecDecoder(ICodecDecoder decoder, CodecShape codec, StreamingOptions options)
{
    private readonly List<long> _codes = [];
    private int _frames;
    private int _decodedFrames;
    private int _nextChunk = options.FirstChunkFrames;

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
        _nextChunk = options.ChunkFrames;
    }

    /// <summary>
    /// Frames an earlier run of this utterance already streamed (a resumed utterance): context only, never emitted. The
    /// chunk schedule goes on as if their chunks had been decoded here, so every later chunk covers the same frames with
    /// the same context as in an uninterrupted stream and its audio is the same. Returns false when the frames do not end
    /// on one of this stream's chunk boundaries (the schedule then starts afresh: the audio is close, not the same).
    /// </summary>
    public bool Resume(IReadOnlyList<int[]> frames)
    {
        foreach (var frame in frames)
        {
            _codes.AddRange(frame.Select(c => (long)c));
        }

        var left = frames.Count;
        while (left >= _nextChunk)
        {
            left -= _nextChunk;
            _nextChunk = NextChunk(_nextChunk);
        }

        _frames += frames.Count;
        _decodedFrames = _frames;
        if (left == 0)
        {
            return true;
        }

        _nextChunk = options.FirstChunkFrames;
        return false;
    }

    /// <summary>Adds a frame; returns the samples of a chunk once enough frames are pending, else null.</summary>
    public float[]? Push(IReadOnlyList<int> frame)
    {
        foreach (var code in frame)
        {
            _codes.Add(code);
        }

        _frames++;
        return _frames - _decodedFrames >= _nextChunk ? DecodePending() : null;
    }

    /// <summary>Decodes whatever is pending (end of utterance); null when nothing is.</summary>
    public float[]? Flush() => _frames > _decodedFrames ? DecodePending() : null;

    private float[] DecodePending()
    {
        var audio = new List<float>();
        while (_decodedFrames < _frames)
        {
            var context = Math.Min(Math.Min(options.LeftContextFrames, _decodedFrames), codec.MaxDecodeFrames - 1);
            var fresh = Math.Min(_frames - _decodedFrames, codec.MaxDecodeFrames - context);
            audio.AddRange(DecodeRange(decoder, codec, _codes, _decodedFrames - context, context, fresh));
            _decodedFrames += fresh;
        }

        _nextChunk = NextChunk(_nextChunk);
        return [.. audio];
    }

    private int NextChunk(int chunk) => Math.Min(options.MaxChunkFrames, Math.Max(options.ChunkFrames, chunk * 2));

    /// <summary>
    /// The official whole-utterance decode: chunks at frames 0, 300, 600, ... each with min(25, start) frames of left
    /// context. With reference codes (ICL) they are decoded first as part of the utterance and their share of the
    /// waveform is cut, proportionally, as the official code does.
    /// </summary>
    public static float[] DecodeWhole(ICodecDecoder decoder, CodecShape codec, IReadOnlyList<int[]> frames, long[]? referenceCodes = null, int referenceFrames = 0)
    {
        var codes = new List<long>((referenceFrames + frames.Count) * codec.Codebooks);
        if (referenceCodes is not null)
        {
            codes.AddRange(referenceCodes.AsSpan(0, referenceFrames * codec.Codebooks).ToArray());
        }

        foreach (var frame in frames)
        {
            codes.AddRange(frame.Select(c => (long)c));
        }

        var total = referenceFrames + frames.Count;
        var audio = new List<float>(total * codec.SamplesPerFrame);
        for (var start = 0; start < total; start += codec.DecodeChunkFrames)
        {
            var context = Math.Min(codec.LeftContextFrames, start);
            audio.AddRange(DecodeRange(decoder, codec, codes, start - context, context, Math.Min(codec.DecodeChunkFrames, total - start)));
        }

        // As the official code: int(ref_len / total_len * wav_len), in floating point.
        var cut = total == 0 ? 0 : (int)((double)referenceFrames / total * audio.Count);
        return [.. audio.Skip(cut)];
    }

    private static float[] DecodeRange(ICodecDecoder decoder, CodecShape codec, List<long> codes, int first, int context, int fresh)
    {
        var frames = context + fresh;
        var slice = new long[frames * codec.Codebooks];
        codes.CopyTo(first * codec.Codebooks, slice, 0, slice.Length);
        var samples = decoder.Decode(slice, frames, context);
        NonFiniteOutputException.ThrowIfAny(samples, GraphNames.CodecDecodeChunk, first + context, "audio");
        return samples;
    }
}
