using Microsoft.AspNetCore.DataProtection;

namespace QwenTts.Frontend.Robots;

/// <summary>
/// Encrypts robot credentials before they leave the frontend. They must be usable again (the WeCom key goes in the
/// URL, the DingTalk secret signs every message), so they are encrypted, not hashed: ASP.NET Data Protection gives
/// authenticated encryption (AES-256-CBC + HMAC-SHA256), purpose isolation and key rotation without new packages.
/// </summary>
public sealed class RobotCredentials(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("QwenTts.Robots.Credentials.v1");

    public string Protect(string plaintext) => _protector.Protect(plaintext);

    public string Unprotect(string protectedText) => _protector.Unprotect(protectedText);
}
