using System.Text.RegularExpressions;

namespace QwenTts.Frontend.Jobs;

public static partial class JobIds
{
    public static string New() => "job_" + Guid.NewGuid().ToString("N");

    public static bool IsValid(string id) => Pattern().IsMatch(id);

    [GeneratedRegex("^job_[0-9a-f]{32}$")]
    private static partial Regex Pattern();
}
