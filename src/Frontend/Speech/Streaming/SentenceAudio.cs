using QwenTts.Audio;
using QwenTts.Audio.Effects;

namespace QwenTts.Frontend.Speech.Streaming;

/// <summary>
/// One sentence's audio on a text-in session's socket: an encoded stream of its own (the encoder's header, a binary
/// frame per piece of speech, the encoder's tail), the speech effects the session asked for, the listener's playback
/// clock (per sentence: between sentences the client may simply be waiting for text), and what it sent.
/// </summary>
internal sealed class SentenceAudio : IDisposable
{
    private readonly StreamSocketWriter _writer;
    private readonly StreamSentence _sentence;
    private readonly TracedEncoder _encoder;
    private readonly SpeechEffects? _effects;

    private SentenceAudio(StreamSocketWriter writer, StreamSentence sentence, TracedEncoder encoder, SpeechEffects? effects)
    {
        (_writer, _sentence, _encoder, _effects) = (writer, sentence, encoder, effects);
        Playback = new PlaybackClock(SpeechStreamer.SampleRate, encoder.Span);
    }

    public PlaybackClock Playback { get; }

    /// <summary>Bytes sent for the sentence (audio.done's byte count).</summary>
    public long Bytes { get; private set; }

    /// <summary>Binary frames sent for the sentence.</summary>
    public int BinaryFrames { get; private set; }

    /// <summary>Starts the sentence's encoded stream (its header goes out at once) under the sentence's own trace.</summary>
    public static async Task<SentenceAudio> StartAsync(StreamSocketWriter writer, StreamSentence sentence, SpeechSettings settings, AiContentLabel? label,
        System.Diagnostics.ActivityContext trace, CancellationToken cancellationToken)
    {
        var encoder = new TracedEncoder(AudioEncoders.Create(settings.Format, SpeechStreamer.SampleRate, settings.SampleRate, label), settings.Format, trace);
        var audio = new SentenceAudio(writer, sentence, encoder, SpeechEffects.For(settings.Controls, SpeechStreamer.SampleRate));
        try
        {
            audio.Bytes += await writer.SendBinaryAsync(encoder.Begin(), cancellationToken, sentence);
            return audio;
        }
        catch
        {
            audio.Dispose();
            throw;
        }
    }

    /// <summary>A piece of the sentence's speech, through its effects.</summary>
    public Task SendSpeechAsync(float[] samples, CancellationToken cancellationToken) =>
        SendAsync(_effects?.Process(samples) ?? samples, cancellationToken, counted: true);

    /// <summary>The session's AI-content notice, before the first sentence's speech: not speech, not counted in the sentence's times.</summary>
    public Task SendNoticeAsync(float[] notice, CancellationToken cancellationToken) => SendAsync(notice, cancellationToken, counted: false);

    /// <summary>What the effects still hold, then the encoder's tail.</summary>
    public async Task EndAsync(CancellationToken cancellationToken)
    {
        if (_effects?.Flush() is { Length: > 0 } tail)
        {
            await SendAsync(tail, cancellationToken, counted: true);
        }

        Bytes += await _writer.SendBinaryAsync(_encoder.End(), cancellationToken, _sentence);
    }

    private async Task SendAsync(float[] samples, CancellationToken cancellationToken, bool counted)
    {
        Playback.Sent(samples.Length);
        var sent = await _writer.SendBinaryAsync(_encoder.Encode(samples), cancellationToken, _sentence,
            samples: counted ? samples.Length : 0, sessionSamples: counted ? 0 : samples.Length);
        BinaryFrames += sent > 0 ? 1 : 0;
        Bytes += sent;
    }

    public void Dispose()
    {
        _encoder.Dispose();
        _effects?.Dispose();
    }
}
