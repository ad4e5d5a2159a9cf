namespace QwenTts.Storage.Audio;

/// <summary>
/// The S3-compatible audio store (<c>Jobs:Store=s3</c>); bound from <c>Jobs:S3</c>. Credentials are never options: the
/// AWS SDK's usual chain finds them (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE with
/// AWS_SHARED_CREDENTIALS_FILE, web identity, instance roles).
/// </summary>
public sealed class S3AudioStoreOptions
{
    public const string Section = "Jobs:S3";

    /// <summary>The server's endpoint for S3-compatible stores (MinIO, Ceph RGW, OBS, OSS, COS); empty for AWS S3 itself, found from the region.</summary>
    public string? ServiceUrl { get; set; }

    public string Bucket { get; set; } = "";

    /// <summary>The region requests are signed for (most S3-compatible servers accept any, often us-east-1).</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>Put before every key, e.g. "qwentts/" to share a bucket; empty for none.</summary>
    public string Prefix { get; set; } = "";

    /// <summary>Path-style URLs (http://host/bucket/key), which most S3-compatible servers need; null: on with a ServiceUrl, off for AWS.</summary>
    public bool? ForcePathStyle { get; set; }

    /// <summary>Longest wait for one request to the store, so an unreachable store fails the request instead of hanging it.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    public bool UsesPathStyle => ForcePathStyle ?? !string.IsNullOrWhiteSpace(ServiceUrl);

    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(Bucket))
        {
            yield return "Jobs:S3:Bucket must name the bucket.";
        }

        if (!string.IsNullOrWhiteSpace(ServiceUrl) && (!Uri.TryCreate(ServiceUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https")))
        {
            yield return $"Jobs:S3:ServiceUrl '{ServiceUrl}' must be an absolute http(s) URL.";
        }

        if (string.IsNullOrWhiteSpace(Region))
        {
            yield return "Jobs:S3:Region must name a region (us-east-1 for most S3-compatible servers).";
        }

        if (Prefix.Length > 0 && (Prefix.StartsWith('/') || !Prefix.EndsWith('/')))
        {
            yield return $"Jobs:S3:Prefix '{Prefix}' must not start with '/' and must end with '/'.";
        }

        if (Timeout <= TimeSpan.Zero)
        {
            yield return "Jobs:S3:Timeout must be positive.";
        }
    }
}
