using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace QwenTts.Audio.Codecs;

/// <summary>
/// AAC-LC in ADTS frames through FFmpeg's native AAC encoder, run as one ffmpeg process per response: samples go in
/// on stdin as they are made, ADTS frames come back on stdout and are sent as soon as ffmpeg writes them. A process
/// rather than P/Invoke into libavcodec: its structs change between releases, the command line does not.
/// </summary>
public sealed class FfmpegAacEncoder : IAudioEncoder
{
    private readonly Process _process;
    private readonly Stream _input;
    private readonly Task _reader;
    private readonly Task<string> _errors;
    private readonly MemoryStream _output = new();
    private readonly Lock _gate = new();

    private readonly AiContentLabel? _label;

    public FfmpegAacEncoder(int sampleRate, AiContentLabel? label = null)
    {
        _label = label;
        var start = new ProcessStartInfo("ffmpeg")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "f32le", "-ar", sampleRate.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "-ac", "1", "-i", "pipe:0", "-c:a", "aac", "-b:a", "64k", "-f", "adts", "-flush_packets", "1", "pipe:1",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            _process = Process.Start(start) ?? throw new CodecUnavailableException("ffmpeg could not be started.");
        }
        catch (Win32Exception ex)
        {
            throw new CodecUnavailableException("ffmpeg is not installed on this host (aac responses need it): apt-get install ffmpeg.", ex);
        }

        _input = _process.StandardInput.BaseStream;
        _errors = _process.StandardError.ReadToEndAsync();
        _reader = Task.Run(ReadOutputAsync);
    }

    public string ContentType => "audio/aac";

    /// <summary>The AI-content label as an ID3v2 tag in front of the ADTS frames, where AAC readers look for tags (none without a label).</summary>
    public byte[] Begin() => _label is null ? [] : Id3Tag.UserText(AiContentLabel.Key, _label.ToJson());

    public byte[] Encode(ReadOnlySpan<float> samples)
    {
        if (!samples.IsEmpty)
        {
            _input.Write(MemoryMarshal.AsBytes(samples));
            _input.Flush();
        }

        return Take();
    }

    public byte[] End()
    {
        _input.Close();
        if (!_reader.Wait(TimeSpan.FromSeconds(30)) || !_process.WaitForExit(TimeSpan.FromSeconds(5)))
        {
            throw new InvalidOperationException("ffmpeg did not finish the aac stream within 30 s.");
        }

        if (_process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ffmpeg failed ({_process.ExitCode}): {_errors.Result.Trim()}");
        }

        return Take();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.Dispose();
    }

    private async Task ReadOutputAsync()
    {
        var buffer = new byte[16 * 1024];
        var stdout = _process.StandardOutput.BaseStream;
        int read;
        while ((read = await stdout.ReadAsync(buffer)) > 0)
        {
            lock (_gate)
            {
                _output.Write(buffer, 0, read);
            }
        }
    }

    private byte[] Take()
    {
        lock (_gate)
        {
            var bytes = _output.ToArray();
            _output.SetLength(0);
            return bytes;
        }
    }
}
