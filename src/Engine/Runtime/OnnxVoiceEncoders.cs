using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using QwenTts.Engine.Audio;
using QwenTts.Engine.Model;

namespace QwenTts.Engine.Runtime;

/// <summary>
/// The Base model's two encoders: speaker_encoder (log-mel to x-vector of talker width) and tokenizer12hz_encode
/// (24 kHz waveform to codes [T, 16]).
/// </summary>
public sealed class OnnxVoiceEncoders(ModelSessions sessions)
{
    private readonly MelSpectrogram _mel = new();

    public float[] SpeakerEmbedding(ReadOnlySpan<float> audio24k)
    {
        var session = sessions[GraphNames.SpeakerEncoder];
        var mel = _mel.Compute(audio24k, out var frames);
        var floats = new FloatTensors(session.InputMetadata["mel"].ElementDataType);
        using var input = floats.Input(mel, mel.Length, [1, frames, MelSpectrogram.Bins]);
        using var run = new RunOptions();
        using var results = session.Run(run, ["mel"], [input], ["speaker_embedding"]);
        var embedding = new float[sessions.Manifest.Talker.Hidden];
        FloatTensors.Read(results[0], embedding);
        return embedding;
    }

    /// <summary>Codes of the clip, frame after frame (16 per frame), and the frame count.</summary>
    public (long[] Codes, int Frames) Encode(float[] audio24k)
    {
        var session = sessions[GraphNames.CodecEncode];
        var floats = new FloatTensors(session.InputMetadata["audio"].ElementDataType);
        using var input = floats.Input(audio24k, audio24k.Length, [1, audio24k.Length]);
        using var run = new RunOptions();
        using var results = session.Run(run, ["audio"], [input], ["codes"]);
        var shape = results[0].GetTensorTypeAndShape().Shape;
        var codes = results[0].GetTensorDataAsSpan<long>().ToArray();
        return (codes, (int)shape[1]);
    }
}
