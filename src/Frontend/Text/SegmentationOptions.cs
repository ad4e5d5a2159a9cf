namespace QwenTts.Frontend.Text;

/// <summary>Segment lengths per language; bound from <c>Speech:Segmentation</c>.</summary>
public sealed class SegmentationOptions
{
    public const string Section = "Speech:Segmentation";

    /// <summary>Western and other space-separated text: cut at sentence and clause boundaries.</summary>
    public SegmentLimits Western { get; set; } = new() { TargetCharacters = 160, MaxCharacters = 300 };

    /// <summary>Chinese: Qwen3-TTS's prosody degrades past about 40 characters, so cut at commas, then at word boundaries.</summary>
    public SegmentLimits Chinese { get; set; } = new() { TargetCharacters = 40, MaxCharacters = 40 };
}

public sealed class SegmentLimits
{
    /// <summary>Short sentences are joined up to this length.</summary>
    public int TargetCharacters { get; set; }

    /// <summary>No segment is longer than this.</summary>
    public int MaxCharacters { get; set; }
}
