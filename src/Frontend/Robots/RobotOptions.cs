namespace QwenTts.Frontend.Robots;

/// <summary>Chat robots; bound from <c>Robots</c>.</summary>
public sealed class RobotOptions
{
    public const string Section = "Robots";

    /// <summary>WeCom's API host; tests point it at a loopback fake.</summary>
    public string WeComBaseUrl { get; set; } = "https://qyapi.weixin.qq.com";

    /// <summary>DingTalk's API host; tests point it at a loopback fake.</summary>
    public string DingTalkBaseUrl { get; set; } = "https://oapi.dingtalk.com";

    /// <summary>Address chat users reach this API at, for the audio links robots post (e.g. https://tts.example.com). Required for DingTalk.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>
    /// Where the Data Protection key ring was kept before it moved to PostgreSQL. When set, the keys found there are
    /// copied into PostgreSQL at start (once each), so credentials sealed with them still open; not needed otherwise.
    /// </summary>
    public string? KeyDirectory { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Tries of one robot delivery when the network or the tool's server fails (not when the tool refuses).</summary>
    public int MaxAttempts { get; set; } = 3;
}
