using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace QwenTts.Frontend.Robots;

/// <summary>
/// Links to a job's audio that chat users can open without an API key: the job id sealed by a time-limited data
/// protector that expires with the audio. GET /v1/audio/links/{token}.
/// </summary>
public sealed class AudioLinks(IDataProtectionProvider provider, IOptions<RobotOptions> options)
{
    private readonly ITimeLimitedDataProtector _protector = provider.CreateProtector("QwenTts.Jobs.AudioLinks.v1").ToTimeLimitedDataProtector();

    public string? For(string jobId, DateTimeOffset expires) => options.Value.PublicBaseUrl is { Length: > 0 } publicBase
        ? $"{publicBase.TrimEnd('/')}/v1/audio/links/{_protector.Protect(jobId, expires)}"
        : null;

    /// <summary>The job id, or null when the token is forged, altered or expired.</summary>
    public string? JobOf(string token)
    {
        try
        {
            return _protector.Unprotect(token);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
