using System.Security.Cryptography;

namespace QwenTts.Audio.Recordings;

/// <summary>An uploaded recording made ready for the Base model: mono, 24 kHz, with its hash and length.</summary>
public sealed record DecodedRecording(float[] Samples, double Seconds, byte[] Sha256, int Bytes);

/// <summary>Why a recording was refused: the HTTP status (400, 413 or 415) and a sentence for the caller.</summary>
public sealed record RecordingRejection(int Status, string Detail);

/// <summary>
/// Reads a recording a caller uploaded (a voice sample or a consent): decoded by libsndfile (WAV, FLAC, Ogg
/// Vorbis/Opus, MP3), downmixed to mono, resampled to 24 kHz with NAudio's WDL windowed-sinc resampler, and checked:
/// not empty, not silent, 1 to 60 seconds, at most 10 MiB, a type we read.
/// </summary>
public static class RecordingDecoder
{
    public const int SampleRate = 24_000;
    public const int MaxBytes = 10 * 1024 * 1024;
    public const double MinSeconds = 1;
    public const double MaxSeconds = 60;

    /// <summary>Encoders pad (mp3 adds up to a frame or two at each end): a recording of exactly 60 s must not read as longer.</summary>
    private const double CodecPaddingSeconds = 0.25;

    /// <summary>Peak below -60 dBFS reads as silence.</summary>
    private const float SilencePeak = 0.001f;

    /// <summary>Media types read here; octet-stream and no type are sniffed. OpenAI also lists aac, webm and mp4.</summary>
    public static readonly string[] MediaTypes =
    [
        "audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave", "audio/mpeg", "audio/mp3", "audio/flac", "audio/x-flac",
        "audio/ogg", "audio/opus", "application/ogg",
    ];

    public static (DecodedRecording? Recording, RecordingRejection? Rejection) Decode(byte[] bytes, string? contentType, string field)
    {
        var mediaType = contentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType is { Length: > 0 } and not "application/octet-stream" && !MediaTypes.Contains(mediaType))
        {
            return Reject(415, $"{field} has type '{mediaType}', which is not read here; send wav, mp3, flac or ogg (vorbis/opus): {string.Join(", ", MediaTypes)}.");
        }

        if (bytes.Length == 0)
        {
            return Reject(400, $"{field} is empty.");
        }

        if (bytes.Length > MaxBytes)
        {
            return Reject(413, $"{field} has {bytes.Length} bytes; the limit is {MaxBytes} (10 MiB).");
        }

        var maxFrames = (int)((MaxSeconds + CodecPaddingSeconds) * 192_000) + 1;
        if (SndFile.Read(bytes, maxFrames, out var error) is not { } audio)
        {
            return Reject(400, $"{field} is not audio this server can read ({error}); send wav, mp3, flac or ogg (vorbis/opus).");
        }

        var frames = audio.Interleaved.Length / audio.Channels;
        var seconds = frames / (double)audio.SampleRate;
        if (frames == 0)
        {
            return Reject(400, $"{field} holds no audio samples.");
        }

        if (seconds < MinSeconds)
        {
            return Reject(400, $"{field} is {seconds:0.###} s long; at least {MinSeconds} s is needed.");
        }

        if (seconds > MaxSeconds + CodecPaddingSeconds)
        {
            return Reject(400, $"{field} is longer than {MaxSeconds} s; send at most {MaxSeconds} s.");
        }

        var mono = Downmix(audio.Interleaved, audio.Channels);
        var peak = mono.Max(MathF.Abs);
        if (peak < SilencePeak)
        {
            return Reject(400, $"{field} is silent (peak {20 * Math.Log10(Math.Max(peak, 1e-9)):0} dBFS).");
        }

        var samples = Resampling.Resample(mono, audio.SampleRate, SampleRate);
        return (new DecodedRecording(samples, Math.Round(seconds, 3), SHA256.HashData(bytes), bytes.Length), null);
    }

    private static float[] Downmix(float[] interleaved, int channels)
    {
        if (channels == 1)
        {
            return interleaved;
        }

        var mono = new float[interleaved.Length / channels];
        for (var i = 0; i < mono.Length; i++)
        {
            var sum = 0f;
            for (var c = 0; c < channels; c++)
            {
                sum += interleaved[i * channels + c];
            }

            mono[i] = sum / channels;
        }

        return mono;
    }

    private static (DecodedRecording?, RecordingRejection?) Reject(int status, string detail) => (null, new RecordingRejection(status, detail));
}
