using QwenTts.Engine.Model;
using QwenTts.Engine.Runtime;

namespace QwenTts.Engine.Pipeline;

/// <summary>
/// Turns frames into audio as they arrive. The first chunk is small, so the first audio comes early; later chunks grow
/// (each twice the last, up to a cap) and carry left context, and no call passes the chunk graph's 325-frame limit.
/// The decoder is causal with a long receptive field, so a streamed seam differs a little from the official whole
/// decode (<see cref="DecodeWhole"/>); model-check measures by how much.
/// What is emitted when (the emission schedule) and how frames are decoded (the decode windows) are kept apart: frames
/// are always decoded in the windows of an uninterrupted stream (its chunks, each from the same first frame of context),
/// so a resumed stream, which emits small chunks again from wherever it resumes, gives the same audio as the
/// uninterrupted one: the decoder is causal, so a frame's samples depend only on the frames from its window's start.
/// </summary>
public sealed class StreamingCodecDecoder(ICodecDecoder decoder, CodecShape codec, StreamingOptions options)
{
    private readonly List<long> _codes = [];
    private int _frames;
    private int _decodedFrames;
    private int _nextChunk = options.FirstChunkFrames;
    // The uninterrupted stream's decode call that holds the next frame to decode: its first new frame, its length, and
    // where its chunk ends (a chunk too long for one call with its context is decoded in several).
    private int _windowStart;
    private int _windowFrames = options.FirstChunkFrames;
    private int _chunkEnd = options.FirstChunkFrames;
    private int _chunkFrames = options.FirstChunkFrames;

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
        (_windowStart, _chunkFrames, _chunkEnd) = (frames, options.ChunkFrames, frames + options.ChunkFrames);
        _windowFrames = Math.Min(options.ChunkFrames, codec.MaxDecodeFrames - Context(frames));
    }

    /// <summary>
    /// Frames an earlier run of this utterance already streamed (a resumed utterance): context only, never emitted. The
    /// next chunk is a first chunk again (small), because the listener is waiting in silence; its frames are still decoded
    /// in the uninterrupted stream's windows, so the audio is the same.
    /// </summary>
    public void Resume(IReadOnlyList<int[]> frames)
    {
        foreach (var frame in frames)
        {
            _codes.AddRange(frame.Select(c => (long)c));
        }

        _frames += frames.Count;
        _decodedFrames = _frames;
        _nextChunk = options.FirstChunkFrames;
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
            while (_decodedFrames >= _windowStart + _windowFrames)
            {
                NextWindow();
            }

            // Decoded as the window's own call would: from the same first frame of context, so the samples are the same.
            var first = _windowStart - Context(_windowStart);
            var end = Math.Min(_frames, _windowStart + _windowFrames);
            audio.AddRange(DecodeRange(decoder, codec, _codes, first, _decodedFrames - first, end - _decodedFrames));
            _decodedFrames = end;
        }

        _nextChunk = NextChunk(_nextChunk);
        return [.. audio];
    }

    /// <summary>The uninterrupted stream's next decode call: the rest of its chunk, or the next chunk, within the graph's limit.</summary>
    private void NextWindow()
    {
        _windowStart += _windowFrames;
        if (_windowStart >= _chunkEnd)
        {
            _chunkFrames = NextChunk(_chunkFrames);
            _chunkEnd = _windowStart + _chunkFrames;
        }

        _windowFrames = Math.Min(_chunkEnd - _windowStart, codec.MaxDecodeFrames - Context(_windowStart));
    }

    /// <summary>Frames of left context a call starting at <paramref name="start"/> carries.</summary>
    private int Context(int start) => Math.Min(Math.Min(options.LeftContextFrames, start), codec.MaxDecodeFrames - 1);

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
