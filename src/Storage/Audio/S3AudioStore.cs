using System.Net;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace QwenTts.Storage.Audio;

/// <summary>
/// The clusters' audio store: one bucket of an S3-compatible server (AWS S3, MinIO, Ceph RGW, OBS, OSS, COS) through
/// the AWS SDK, which every frontend reads and writes, so any frontend can resume, serve or expire any job.
/// Each key is one object written by a single PutObject: a job's segments are small objects (its resume points), and
/// its file is encoded once on local disk and uploaded whole when the job completes. S3 makes a PutObject visible
/// whole or not at all (the store's atomic-write promise); the largest job's file (100,000 characters, about two hours
/// of 24 kHz WAV, some 350 MB) is far below PutObject's 5 GB limit, and a failed upload is retried by the job's own
/// retries, so multipart uploads would add parts to clean up for no gain.
/// Any failure of the server is an <see cref="AudioStoreUnavailableException"/>, logged and counted; a missing object is not a failure.
/// </summary>
public sealed partial class S3AudioStore : IAudioStore, IDisposable
{
    private readonly S3AudioStoreOptions _options;
    private readonly AmazonS3Client _client;
    private readonly AudioStoreMetrics _metrics;
    private readonly ILogger<S3AudioStore> _logger;

    public S3AudioStore(IOptions<S3AudioStoreOptions> options, AudioStoreMetrics metrics, ILogger<S3AudioStore> logger)
    {
        _options = options.Value;
        _metrics = metrics;
        _logger = logger;
        var config = new AmazonS3Config
        {
            ForcePathStyle = _options.UsesPathStyle,
            Timeout = _options.Timeout,
            // Checksums only where S3 requires them: the newer default (CRC trailers on every upload) is not spoken by
            // every S3-compatible server.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (string.IsNullOrWhiteSpace(_options.ServiceUrl))
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(_options.Region);
        }
        else
        {
            config.ServiceURL = _options.ServiceUrl;
            config.AuthenticationRegion = _options.Region;
        }

        _client = new AmazonS3Client(config);
    }

    public string Description => $"s3://{_options.Bucket}/{_options.Prefix}" + (string.IsNullOrWhiteSpace(_options.ServiceUrl) ? "" : $" at {_options.ServiceUrl}");

    public async Task PutAsync(string key, Stream content, CancellationToken cancellationToken)
    {
        var name = ObjectKey(key);
        try
        {
            await _client.PutObjectAsync(new PutObjectRequest
            {
                BucketName = _options.Bucket,
                Key = name,
                InputStream = content,
                AutoCloseStream = false,
                // A plain signed body: aws-chunked uploads are not spoken by every S3-compatible server.
                UseChunkEncoding = false,
            }, cancellationToken);
        }
        catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
        {
            throw Failure("put", name, ex);
        }
    }

    public async Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        var name = ObjectKey(key);
        GetObjectMetadataResponse head;
        try
        {
            head = await _client.GetObjectMetadataAsync(_options.Bucket, name, cancellationToken);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
        {
            throw Failure("read", name, ex);
        }

        return new S3ObjectReadStream(_client, _options.Bucket, name, head.ContentLength, head.ETag, ex => Failure("read", name, ex));
    }

    public async Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken)
    {
        var name = ObjectKey(prefix);
        try
        {
            var request = new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = name };
            do
            {
                var page = await _client.ListObjectsV2Async(request, cancellationToken);
                if (page.S3Objects is { Count: > 0 } objects)
                {
                    var deleted = await _client.DeleteObjectsAsync(new DeleteObjectsRequest
                    {
                        BucketName = _options.Bucket,
                        Objects = [.. objects.Select(o => new KeyVersion { Key = o.Key })],
                        Quiet = true,
                    }, cancellationToken);
                    if (deleted.DeleteErrors is { Count: > 0 } errors)
                    {
                        throw new AudioStoreUnavailableException(
                            $"{errors.Count} objects under {name} were not deleted, e.g. {errors[0].Key}: {errors[0].Code} {errors[0].Message}");
                    }
                }

                request.ContinuationToken = page.IsTruncated == true ? page.NextContinuationToken : null;
            }
            while (request.ContinuationToken is not null);
        }
        catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
        {
            throw Failure("delete", name, ex);
        }
    }

    public void Dispose() => _client.Dispose();

    private string ObjectKey(string key) => _options.Prefix + AudioStoreKeys.Validate(key);

    private static bool IsStoreFailure(Exception ex, CancellationToken cancellationToken) =>
        ex is not ArgumentException && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested);

    private AudioStoreUnavailableException Failure(string operation, string name, Exception ex)
    {
        _metrics.Failed("s3", operation);
        var reason = ex is AmazonS3Exception s3 ? $"{(int)s3.StatusCode} {s3.ErrorCode}: {s3.Message}" : $"{ex.GetType().Name}: {ex.Message}";
        LogFailed(operation, _options.Bucket, name, reason);
        return ex as AudioStoreUnavailableException
            ?? new AudioStoreUnavailableException($"the S3 audio store (s3://{_options.Bucket}) failed to {operation} {name}: {reason}", ex);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "S3 audio store: {Operation} s3://{Bucket}/{Key} failed: {Reason}")]
    private partial void LogFailed(string operation, string bucket, string key, string reason);
}
