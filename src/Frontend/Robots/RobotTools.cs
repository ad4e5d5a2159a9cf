namespace QwenTts.Frontend.Robots;

public static class RobotTools
{
    public const string WeCom = "wecom";
    public const string DingTalk = "dingtalk";
    public static readonly string[] All = [WeCom, DingTalk];

    /// <summary>Job source of a broadcast: "robots:" and the tools to post to.</summary>
    public static string Source(IEnumerable<string> tools) => "robots:" + string.Join(",", tools);

    public static string[] FromSource(string? source) =>
        source is not null && source.StartsWith("robots:", StringComparison.Ordinal) ? source["robots:".Length..].Split(',', StringSplitOptions.RemoveEmptyEntries) : [];
}
