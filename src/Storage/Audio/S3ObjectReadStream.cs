using Amazon.S3;
using Amazon.S3.Model;

namespace QwenTts.Storage.Audio;

/// <summary>
/// A seekable, read-only view of one S3 object: each read is served from a ranged GET starting at the current position,
/// in windows that double (256 KiB up to 8 MiB) while reading goes on sequentially, so a range request reads little
/// and a whole download few requests. Every GET names the object's ETag, so a replaced object fails instead of mixing bytes.
/// </summary>
internal sealed class S3ObjectReadStream(IAmazonS3 client, string bucket, string key, long length, string etag, Func<Exception, Exception> fail) : Stream
{
    private const long FirstWindow = 256 * 1024;
    private const long LargestWindow = 8 * 1024 * 1024;

    private GetObjectResponse? _body;
    private long _bodyEnd;
    private long _window = FirstWindow;
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position >= length || buffer.Length == 0)
        {
            return 0;
        }

        try
        {
            if (_body is null || _position >= _bodyEnd)
            {
                await OpenWindowAsync(cancellationToken);
            }

            var read = await _body!.ResponseStream.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _bodyEnd - _position)], cancellationToken);
            if (read == 0)
            {
                throw new EndOfStreamException($"s3://{bucket}/{key} ended at byte {_position} of {length}");
            }

            _position += read;
            return read;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            CloseBody();
            throw fail(ex);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Callers here read asynchronously; a synchronous read blocks on the same path.
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => length + offset,
        };
        ArgumentOutOfRangeException.ThrowIfNegative(target, nameof(offset));
        if (target != _position)
        {
            CloseBody();
            _window = FirstWindow;
            _position = target;
        }

        return _position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            CloseBody();
        }

        base.Dispose(disposing);
    }

    private async Task OpenWindowAsync(CancellationToken cancellationToken)
    {
        CloseBody();
        var end = Math.Min(length, _position + _window);
        _body = await client.GetObjectAsync(new GetObjectRequest
        {
            BucketName = bucket,
            Key = key,
            ByteRange = new ByteRange(_position, end - 1),
            EtagToMatch = etag,
        }, cancellationToken);
        _bodyEnd = end;
        _window = Math.Min(_window * 2, LargestWindow);
    }

    private void CloseBody()
    {
        _body?.Dispose();
        _body = null;
    }
}
