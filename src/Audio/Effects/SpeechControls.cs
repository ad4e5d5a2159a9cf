namespace QwenTts.Audio.Effects;

/// <summary>
/// A request's audio controls: speed (tempo without pitch, 0.25 to 4), pitch (semitones, -12 to +12, duration kept)
/// and volume (a linear gain, 0 to 4, limited below -1 dBFS so nothing clips). The defaults change nothing.
/// </summary>
public sealed record SpeechControls(double Speed = 1.0, double Pitch = 0.0, double Volume = 1.0)
{
    public const double MinSpeed = 0.25, MaxSpeed = 4.0;
    public const double MinPitch = -12, MaxPitch = 12;
    public const double MinVolume = 0, MaxVolume = 4;

    public static readonly SpeechControls None = new();

    public bool ChangesTime => Math.Abs(Speed - 1) > 1e-3 || Math.Abs(Pitch) > 1e-3;

    public bool ChangesGain => Math.Abs(Volume - 1) > 1e-6;

    public bool ChangesNothing => !ChangesTime && !ChangesGain;
}
