using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using QwenTts.Audio;
using QwenTts.Frontend.Metrics;
using QwenTts.Frontend.Quotas;
using QwenTts.Frontend.Text;
using QwenTts.Frontend.Usage;
using QwenTts.Grains.Interfaces.Synthesis;
using QwenTts.Grains.Interfaces.Tenants;
using QwenTts.Routing;
using QwenTts.Storage.Tenants;

namespace QwenTts.Frontend.Speech.Streaming;

/// <summary>What a session needs from the frontend, resolved once per connection.</summary>
public sealed record StreamServices(SpeechPlanner Planner, OrderedSegmentRunner Runner, SentenceSegmenter Segmenter, TenantQuotas Quotas,
    UsageRecorder Usage, FrontendMetrics Metrics, StreamingOptions Options, ILogger Logger, AiContentLabelOptions Labels);

/// <summary>
/// One WebSocket text-in session: session.config, then text in pieces as an LLM writes it, cut into sentences as they
/// complete and sent to the cards at once (several in parallel, audio in text order), then input.done. Every misuse
/// ends in an error event and a close code; when the session ends early its work on the cards is cancelled.
/// </summary>
public sealed partial class SpeechStreamSession(WebSocket socket, Tenant tenant, StreamServices services)
{
    private readonly Channel<SynthesisJob> _sentences = Channel.CreateUnbounded<SynthesisJob>(new UnboundedChannelOptions { SingleReader = true });
    private readonly StreamSocketWriter _writer = new(socket);
    private readonly List<string> _devices = [];
    private readonly StreamCharges _charges = new();
    private readonly StreamSentences _queue = new();
    private readonly IncrementalSentenceSplitter _splitter = new(services.Options.MaxPendingCharacters);
    private readonly string _requestId = "speech_" + Guid.NewGuid().ToString("N");
    private readonly long _started = Stopwatch.GetTimestamp();
    private SpeechSettings? _settings;
    private int _receivedCharacters;
    private int _consumedCharacters; // of the session's text: queued as sentences or cleared
    private int _queued;
    private int _spokenCharacters;
    private int _sentencesDone;

    /// <summary>The tenant's explicit AI-content label, sent once, with the session's first speech (not counted in any sentence's times).</summary>
    private float[]? _notice = tenant.AiNotice == AiNotices.Morse ? AiNoticeRhythm.Samples(SpeechStreamer.SampleRate) : null;
    private int _frames;
    private string _outcome = "completed";
    private int _underruns;
    private double _underrunSilence;

    public IReadOnlyList<string> Devices => _devices;

    /// <summary>The session's id (session.done's request_id, its usage record).</summary>
    public string RequestId => _requestId;

    public async Task RunAsync(CancellationToken aborted)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, _writer.Stopped);
        var inbox = new StreamInbox();
        var pump = inbox.PumpAsync(socket, services.Options.MaxMessageBytes, aborted);
        var output = Task.CompletedTask;
        try
        {
            output = await ReceiveInputAsync(inbox, linked.Token);
            await output;
        }
        finally
        {
            if (aborted.IsCancellationRequested && _outcome == "completed")
            {
                // The connection dropped before the session ended: whichever of the input loop, the inbox or the sender
                // noticed first, the outcome is the same.
                _outcome = "cancelled";
            }

            await _writer.StopAsync();
            await output.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (_writer.Closed)
            {
                // Give the client a moment to answer our close frame, so it sees a clean close.
                await pump.WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            if (!pump.IsCompleted)
            {
                socket.Abort();
                await pump.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            await _charges.GiveBackUnspokenAsync(services.Quotas, tenant);
            var seconds = _writer.Samples / (double)SpeechStreamer.SampleRate;
            services.Usage.Record(new UsageRecord(_requestId, tenant.Id, "/v1/audio/speech/stream", _charges.Characters, seconds,
                string.Join(",", _devices.Distinct()), _settings?.VoiceName, _outcome, DateTimeOffset.UtcNow));
            services.Metrics.RequestFinished(tenant.Id, _outcome, _settings?.Format ?? "pcm", Stopwatch.GetElapsedTime(_started), seconds);
            if (_underruns > 0)
            {
                services.Metrics.FellBehind(FrontendMetrics.StreamApi, _underrunSilence);
            }
        }
    }

    /// <summary>Reads client messages until input.done (then returns the output task) or until the session must end.</summary>
    private async Task<Task> ReceiveInputAsync(StreamInbox inbox, CancellationToken cancellationToken)
    {
        var output = Task.CompletedTask;
        var lastMessage = Stopwatch.GetTimestamp();
        var inputDone = false;
        var next = inbox.Messages.ReadAsync(cancellationToken).AsTask();
        while (true)
        {
            var idle = Stopwatch.GetElapsedTime(lastMessage);
            var wait = _settings is null ? services.Options.ConfigTimeout - idle
                : inputDone ? Timeout.InfiniteTimeSpan
                : _splitter.HasPending ? services.Options.SentenceIdleFlush - idle
                : services.Options.IdleTimeout - idle;
            using var tick = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var timer = Task.Delay(wait == Timeout.InfiniteTimeSpan ? wait : wait > TimeSpan.Zero ? wait : TimeSpan.Zero, tick.Token);
            var finished = await Task.WhenAny(next, timer, output.IsCompleted && !inputDone ? Task.Delay(Timeout.Infinite, tick.Token) : output);
            await tick.CancelAsync();
            if (cancellationToken.IsCancellationRequested)
            {
                return output;
            }

            if (finished == output)
            {
                return output; // all audio sent (or it failed and said so)
            }

            if (finished == timer)
            {
                if (_settings is null)
                {
                    await FailAsync(StreamError.IdleTimeout($"no session.config within {services.Options.ConfigTimeout.TotalSeconds:0.#} s of connecting."));
                    return output;
                }

                if (_splitter.HasPending && idle < services.Options.IdleTimeout)
                {
                    await QueueAsync([_splitter.Flush()], cancellationToken); // unpunctuated text stalled: speak it
                    continue;
                }

                await FailAsync(StreamError.IdleTimeout($"no message for {services.Options.IdleTimeout.TotalSeconds:0.#} s before input.done."));
                return output;
            }

            Inbound message;
            try
            {
                message = await next;
            }
            catch (ChannelClosedException)
            {
                message = new Inbound(InboundKind.Closed);
            }

            next = inbox.Messages.ReadAsync(cancellationToken).AsTask();
            lastMessage = Stopwatch.GetTimestamp();
            var error = message.Kind switch
            {
                InboundKind.Binary => StreamError.BinaryNotAccepted(),
                InboundKind.TooBig => StreamError.TooBig($"a message of more than {services.Options.MaxMessageBytes} bytes; send text in smaller pieces."),
                _ => null,
            };
            if (message.Kind == InboundKind.Closed)
            {
                // The client closed or vanished without session.close: stop its work; answer a close frame if there was one.
                _outcome = "cancelled";
                await _writer.StopAsync();
                if (socket.State == WebSocketState.CloseReceived)
                {
                    await _writer.CloseAsync(WebSocketCloseStatus.NormalClosure, "closed by client");
                }

                return output;
            }

            if (error is null)
            {
                (error, var step) = await HandleAsync(message.Text, inputDone, cancellationToken);
                switch (step)
                {
                    case Step.Configured:
                        output = SendAudioAsync(cancellationToken);
                        break;
                    case Step.InputDone:
                        inputDone = true;
                        break;
                    case Step.Close:
                        await StopEarlyAsync();
                        return output;
                }
            }

            if (error is not null)
            {
                await FailAsync(error);
                return output;
            }
        }
    }

    private enum Step
    {
        Continue,
        Configured,
        InputDone,
        Close,
    }

    private async Task<(StreamError? Error, Step Step)> HandleAsync(string json, bool inputDone, CancellationToken cancellationToken)
    {
        StreamClientMessage? message;
        try
        {
            message = JsonSerializer.Deserialize<StreamClientMessage>(json, StreamJson.Options);
        }
        catch (JsonException ex)
        {
            return (StreamError.InvalidJson($"the message is not valid JSON of the expected shape: {ex.Message}"), Step.Continue);
        }

        if (message is null)
        {
            return (StreamError.InvalidJson("the message must be a JSON object with a type."), Step.Continue);
        }

        var rest = (message.Rest?.Keys ?? Enumerable.Empty<string>())
            .Concat(message.Type != "input.text" && message.Text.ValueKind != JsonValueKind.Undefined ? ["text"] : []).ToList();
        if (message.Type != "session.config" && rest.Count > 0)
        {
            return (StreamError.InvalidMessage($"{message.Type ?? "a message"} takes only type{(message.Type == "input.text" ? " and text" : "")}; " +
                                               $"not supported by this server: {string.Join(", ", rest)}."), Step.Continue);
        }

        switch (message.Type)
        {
            case "session.config" when _settings is not null:
                return (StreamError.WrongOrder("session.config may be sent only once, as the first message."), Step.Continue);
            case "session.config":
                return await ConfigureAsync(json, cancellationToken);
            case "input.text" or "input.done" or "session.close" or "input.clear" or "response.cancel" when _settings is null:
                return (StreamError.WrongOrder($"{message.Type} before session.config; the first message must be session.config."), Step.Continue);
            case "input.text" when inputDone:
                return (StreamError.WrongOrder("input.text after input.done; open a new session for more text."), Step.Continue);
            case "input.text":
                return (await AddTextAsync(message, cancellationToken), Step.Continue);
            case "input.done" when inputDone:
                return (StreamError.WrongOrder("input.done was already sent."), Step.Continue);
            case "input.done":
                var error = await QueueAsync([_splitter.Flush()], cancellationToken);
                _sentences.Writer.TryComplete();
                return (error, Step.InputDone);
            case "session.close":
                return (null, Step.Close);
            case "input.clear":
                await ClearAsync(cancellationToken);
                return (null, Step.Continue);
            case "response.cancel":
                await CancelAsync(cancellationToken);
                return (null, Step.Continue);
            default:
                return (StreamError.UnknownType(message.Type), Step.Continue);
        }
    }

    private async Task<(StreamError?, Step)> ConfigureAsync(string json, CancellationToken cancellationToken)
    {
        StreamSessionConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<StreamSessionConfig>(json, StreamJson.Options);
        }
        catch (JsonException ex)
        {
            return (StreamError.InvalidConfig($"session.config has a field of the wrong type: {ex.Message}"), Step.Continue);
        }

        if (config!.TaskType is { } task && !string.Equals(task, "VoiceDesign", StringComparison.OrdinalIgnoreCase))
        {
            return (StreamError.InvalidConfig($"task_type '{task}' is not served here; this cluster serves VoiceDesign (a voice from a description or a saved voice)."), Step.Continue);
        }

        // {"id": name} names a voice here as a plain name does (the protocol's form), not a /v1/audio/voices id.
        var request = config with { Voice = config.Voice?.Value };
        var (settings, problem) = await services.Planner.PlanSettingsAsync(request, tenant, SpeechSurface.Stream);
        if (problem is not null)
        {
            return (StreamError.InvalidConfig(problem.Detail), Step.Continue);
        }

        // The session's request rate was taken at the handshake; a pending prompt is derived now, and not for a caller gone.
        (settings, problem) = await services.Planner.PrepareVoiceAsync(settings!, cancellationToken);
        if (problem is not null)
        {
            return (StreamError.InvalidConfig(problem.Detail), Step.Continue);
        }

        _settings = settings;
        return (null, Step.Configured);
    }

    private async Task<StreamError?> AddTextAsync(StreamClientMessage message, CancellationToken cancellationToken)
    {
        if (message.Text.ValueKind != JsonValueKind.String)
        {
            return StreamError.InvalidMessage("input.text needs a text field that is a string.");
        }

        var text = message.Text.GetString()!;
        _receivedCharacters += text.Length;
        if (_receivedCharacters > services.Options.MaxSessionCharacters)
        {
            return StreamError.TooBig($"a session may send at most {services.Options.MaxSessionCharacters} characters; open a new session.");
        }

        return await QueueAsync(_splitter.Add(text), cancellationToken);
    }

    /// <summary>
    /// Normalises complete sentences, cuts long ones per language, counts them against the quota, and queues them, each
    /// with its range in the session's text (the sentences are the text as received, in order).
    /// </summary>
    private async Task<StreamError?> QueueAsync(IReadOnlyList<string> sentences, CancellationToken cancellationToken)
    {
        foreach (var sentence in sentences)
        {
            var offset = _consumedCharacters;
            _consumedCharacters += sentence.Length;
            var text = TextNormalizer.Normalize(sentence);
            if (text.Length == 0)
            {
                continue;
            }

            var language = _settings!.LanguageFor(text);
            foreach (var (segment, textStart, textEnd) in TextSegments.Split(sentence, services.Segmenter, offset))
            {
                var quota = await services.Quotas.ReserveCharactersAsync(tenant, segment.Length, cancellationToken);
                if (!quota.Allowed)
                {
                    return StreamError.QuotaExceeded(quota.Reason!);
                }

                var index = _queued++;
                var segmentId = $"{_requestId}-{index}";
                if (quota.Reservation is { } reservation)
                {
                    _charges.Reserve(segmentId, reservation);
                }

                var job = new SynthesisJob
                {
                    RequestId = segmentId,
                    Tenant = tenant.Id,
                    Text = segment,
                    Language = language,
                    Voice = _settings.Voice,
                    Seed = _settings.Seed,
                };
                _queue.Add(new StreamSentence(index, job, textStart, textEnd));
                _sentences.Writer.TryWrite(job);
            }
        }

        return null;
    }

    /// <summary>input.clear: the text not yet a sentence and the sentences not yet speaking are dropped, their characters given back.</summary>
    private async Task ClearAsync(CancellationToken cancellationToken)
    {
        var pending = _splitter.Flush();
        _consumedCharacters += pending.Length;
        var dropped = _queue.DropQueued();
        await _charges.GiveBackAsync(dropped.Select(s => s.Job.RequestId), services.Quotas, tenant);
        await _writer.SendJsonAsync(new InputClearedEvent(pending.Length + dropped.Sum(s => s.TextEnd - s.TextStart), dropped.Count), cancellationToken);
    }

    /// <summary>
    /// response.cancel (barge-in): the sentence speaking now stops; its card work is cancelled and a sentence that had
    /// not started its audio gives its characters back. The acknowledgment is sent under the send lock, after the last
    /// frame of that sentence that went out and before any other.
    /// </summary>
    private async Task CancelAsync(CancellationToken cancellationToken)
    {
        var sentence = _queue.CancelCurrent();
        if (sentence is { Started: false })
        {
            await _charges.GiveBackAsync([sentence.Job.RequestId], services.Quotas, tenant);
        }

        await _writer.SendJsonAsync(() => sentence is null ? new AudioCancelledEvent(null, null, null, null, null, null)
            : new AudioCancelledEvent(sentence.Index, sentence.Job.Text, sentence.TextStart, sentence.TextEnd, Seconds(sentence.AudioStart),
                Seconds(sentence.AudioStart + sentence.SentSamples)), cancellationToken);
    }

    private static double Seconds(long samples) => SegmentTimestamp.Seconds(samples, SpeechStreamer.SampleRate);

    /// <summary>
    /// Sends each sentence's audio as it is made, in text order: audio.start, binary frames, audio.done; then
    /// session.done. Each sentence is a trace of its own, linked to the session's span; its encoding goes in it.
    /// </summary>
    private async Task SendAudioAsync(CancellationToken cancellationToken)
    {
        var settings = _settings!;
        SentenceAudio? audio = null;
        try
        {
            StreamSentence? current = null;
            var sentences = services.Runner.RunAsync(_sentences.Reader.ReadAllAsync(cancellationToken), cancellationToken,
                SegmentTrace.Own(Activity.Current?.Context ?? default), _queue.DropToken);
            await foreach (var output in sentences)
            {
                var (_, job, e) = output;
                var sentence = _queue.Of(job);
                if (sentence != current)
                {
                    if (!_queue.TryStart(sentence, _writer.Samples + (_notice?.Length ?? 0)))
                    {
                        continue; // cleared or cancelled before its audio
                    }

                    current = sentence;
                    EndPlayback(audio);
                    audio = null;
                    await _writer.SendJsonAsync(new AudioStartEvent(sentence.Index, job.Text, settings.Format, settings.SampleRate, sentence.TextStart, sentence.TextEnd,
                        Seconds(sentence.AudioStart)), cancellationToken);
                    audio = await SentenceAudio.StartAsync(_writer, sentence, settings, services.Labels.For(job.RequestId), output.Trace, cancellationToken);
                }

                if (sentence.Dropped)
                {
                    continue; // cancelled while speaking: none of the rest of its audio
                }

                if (e.Kind == SynthesisEventKind.Audio && e.Samples is { Length: > 0 } made)
                {
                    _charges.Charge(job);
                    if (_notice is { } notice)
                    {
                        // In the first sentence's own stream (each sentence is one encoded stream), before its speech.
                        _notice = null;
                        await audio!.SendNoticeAsync(notice, cancellationToken);
                    }

                    await audio!.SendSpeechAsync(made, cancellationToken);
                }
                else if (e.Kind == SynthesisEventKind.Completed && e.Summary is { } summary && _queue.TryFinish(sentence))
                {
                    _charges.Charge(job);
                    await audio!.EndAsync(cancellationToken);
                    _devices.Add(summary.Device);
                    _frames += summary.Frames;
                    _spokenCharacters += job.Text.Length;
                    _sentencesDone++;
                    await _writer.SendJsonAsync(new AudioDoneEvent(sentence.Index, audio.Bytes, audio.BinaryFrames, summary.Frames, Math.Round(summary.AudioSeconds, 3), summary.Device,
                        sentence.TextStart, sentence.TextEnd, Seconds(sentence.AudioStart), Seconds(sentence.AudioStart + sentence.SentSamples)), cancellationToken);
                }
            }

            await _writer.SendJsonAsync(SessionDone(), cancellationToken);
            await _writer.CloseAsync(WebSocketCloseStatus.NormalClosure, "session done");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The session ended early (client gone, session.close, an error already sent).
        }
        catch (ClusterSaturatedException ex)
        {
            await FailAsync(StreamError.ClusterBusy($"{ex.Message} Retry in {ex.RetryAfter.TotalSeconds:0} s."));
        }
        catch (InvalidSynthesisRequestException ex)
        {
            await FailAsync(StreamError.InvalidMessage(ex.Message));
        }
        catch (Exception ex) when (ex is SynthesisFailedException or CodecUnavailableException or OrleansException or TimeoutException)
        {
            LogSessionFailed(services.Logger, _requestId, ex.Message);
            await FailAsync(StreamError.SynthesisFailed(ex.Message));
        }
        catch (WebSocketException)
        {
            _outcome = "cancelled"; // the client went away while we were sending
        }
        finally
        {
            EndPlayback(audio);
        }
    }

    /// <summary>A sentence's stream is over: its listener's underruns join the session's, its encoder and effects are freed.</summary>
    private void EndPlayback(SentenceAudio? audio)
    {
        if (audio is not null)
        {
            _underruns += audio.Playback.Underruns;
            _underrunSilence += audio.Playback.SilenceSeconds;
            audio.Dispose();
        }
    }

    private SessionDoneEvent SessionDone()
    {
        var characters = _spokenCharacters;
        return new SessionDoneEvent(_requestId, _sentencesDone, _writer.Bytes, Math.Round(_writer.Samples / (double)SpeechStreamer.SampleRate, 3), characters,
            _devices.Distinct().ToList(), new StreamUsage(characters, _frames, characters + _frames));
    }

    /// <summary>session.close: stop the work still running, report what was spoken, close normally.</summary>
    private async Task StopEarlyAsync()
    {
        _outcome = "closed";
        await _writer.SendLastAsync(SessionDone(), WebSocketCloseStatus.NormalClosure, "session closed by client");
    }

    private async Task FailAsync(StreamError error)
    {
        _outcome = error.Code;
        await _writer.SendLastAsync(new StreamErrorEvent(error.Code, error.Message, (int)error.CloseCode), error.CloseCode, error.Code);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Streaming session {RequestId} failed: {Reason}")]
    private static partial void LogSessionFailed(ILogger logger, string requestId, string reason);
}
