using Microsoft.AspNetCore.Http;

namespace QwenTts.Jobs.FunctionalTests;

/// <summary>A fake receiver's answer held back until <paramref name="wait"/> ends (an attempt in flight while the test kills its sender).</summary>
public sealed class AnswerAfter(Task wait, IResult answer) : IResult
{
    public async Task ExecuteAsync(HttpContext context)
    {
        await wait;
        await answer.ExecuteAsync(context);
    }
}
