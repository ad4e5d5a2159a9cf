using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace QwenTts.Frontend.Jobs;

/// <summary>
/// Signs job callbacks. Each tenant's secret is HMAC-SHA256(server signing key, "callback:" + tenant) in hex, so every
/// frontend derives the same secret without storing one per tenant; a tenant reads its own from
/// GET /v1/audio/jobs/callback-secret. A callback carries <c>X-QwenTts-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</c> where
/// v1 = HMAC-SHA256(tenant secret, "&lt;t&gt;." + raw body). Each attempt is signed with its own t, so a receiver can refuse
/// a t older than a few minutes (the README's snippet uses 5) and a replayed POST fails without rejecting a retry.
/// </summary>
public sealed class CallbackSigner(IOptions<CallbackOptions> options)
{
    public const string Header = "X-QwenTts-Signature";

    public bool Enabled => !string.IsNullOrEmpty(options.Value.SigningKey);

    public string TenantSecret(string tenant) => Convert.ToHexStringLower(
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(options.Value.SigningKey ?? throw new InvalidOperationException("callbacks are off")),
            Encoding.UTF8.GetBytes("callback:" + tenant)));

    public string Sign(string tenant, long timestamp, ReadOnlySpan<byte> body) => $"t={timestamp},v1={Signature(TenantSecret(tenant), timestamp, body)}";

    public static string Signature(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message));
    }
}
