using Google.Protobuf;

namespace QwenTts.Observability.FunctionalTests.Otlp;

/// <summary>
/// Decodes an OTLP ExportTraceServiceRequest (protobuf, as OTLP/HTTP posts it to /v1/traces) into spans, reading only
/// the fields a test looks at, by their numbers in opentelemetry/proto/trace/v1/trace.proto and common/v1/common.proto;
/// everything else is skipped. The receiver of a real collector, minus everything the tests do not need.
/// </summary>
public static class OtlpTraceDecoder
{
    public static List<ReceivedSpan> Decode(byte[] body)
    {
        var spans = new List<ReceivedSpan>();
        ForEachField(body, (field, input) =>
        {
            if (field == 1)
            {
                ResourceSpans(input.ReadBytes(), spans); // ExportTraceServiceRequest.resource_spans
            }
            else
            {
                input.SkipLastField();
            }
        });
        return spans;
    }

    private static void ResourceSpans(ByteString message, List<ReceivedSpan> spans)
    {
        var resource = new Dictionary<string, object>();
        var scopes = new List<ByteString>();
        ForEachField(message, (field, input) =>
        {
            switch (field)
            {
                case 1: // resource
                    ForEachField(input.ReadBytes(), (f, i) =>
                    {
                        if (f == 1)
                        {
                            KeyValue(i.ReadBytes(), resource); // Resource.attributes
                        }
                        else
                        {
                            i.SkipLastField();
                        }
                    });
                    break;
                case 2: // scope_spans
                    scopes.Add(input.ReadBytes());
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        });

        var service = resource.GetValueOrDefault("service.name") as string ?? "";
        var instance = resource.GetValueOrDefault("service.instance.id") as string ?? "";
        foreach (var scopeSpans in scopes)
        {
            var scope = "";
            var raw = new List<ByteString>();
            ForEachField(scopeSpans, (field, input) =>
            {
                switch (field)
                {
                    case 1: // scope
                        ForEachField(input.ReadBytes(), (f, i) =>
                        {
                            if (f == 1)
                            {
                                scope = i.ReadString();
                            }
                            else
                            {
                                i.SkipLastField();
                            }
                        });
                        break;
                    case 2: // spans
                        raw.Add(input.ReadBytes());
                        break;
                    default:
                        input.SkipLastField();
                        break;
                }
            });
            spans.AddRange(raw.Select(span => Span(span, service, instance, scope)));
        }
    }

    private static ReceivedSpan Span(ByteString message, string service, string instance, string scope)
    {
        string traceId = "", spanId = "", parent = "", name = "", statusMessage = "";
        int kind = 0, status = 0;
        ulong start = 0, end = 0;
        var attributes = new Dictionary<string, object>();
        var links = new List<(string, string)>();
        var events = new List<string>();
        ForEachField(message, (field, input) =>
        {
            switch (field)
            {
                case 1: traceId = Hex(input.ReadBytes()); break;
                case 2: spanId = Hex(input.ReadBytes()); break;
                case 4: parent = Hex(input.ReadBytes()); break;
                case 5: name = input.ReadString(); break;
                case 6: kind = input.ReadEnum(); break;
                case 7: start = input.ReadFixed64(); break;
                case 8: end = input.ReadFixed64(); break;
                case 9: KeyValue(input.ReadBytes(), attributes); break;
                case 11: // events: name is field 2
                    ForEachField(input.ReadBytes(), (f, i) =>
                    {
                        if (f == 2)
                        {
                            events.Add(i.ReadString());
                        }
                        else
                        {
                            i.SkipLastField();
                        }
                    });
                    break;
                case 13: // links: trace_id 1, span_id 2
                    string linkTrace = "", linkSpan = "";
                    ForEachField(input.ReadBytes(), (f, i) =>
                    {
                        switch (f)
                        {
                            case 1: linkTrace = Hex(i.ReadBytes()); break;
                            case 2: linkSpan = Hex(i.ReadBytes()); break;
                            default: i.SkipLastField(); break;
                        }
                    });
                    links.Add((linkTrace, linkSpan));
                    break;
                case 15: // status: message 2, code 3
                    ForEachField(input.ReadBytes(), (f, i) =>
                    {
                        switch (f)
                        {
                            case 2: statusMessage = i.ReadString(); break;
                            case 3: status = i.ReadEnum(); break;
                            default: i.SkipLastField(); break;
                        }
                    });
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        });
        return new ReceivedSpan(service, instance, scope, traceId, spanId, parent, name, kind, start, end, attributes, status, statusMessage, links, events);
    }

    /// <summary>A KeyValue (key 1, AnyValue 2) into <paramref name="into"/>.</summary>
    private static void KeyValue(ByteString message, Dictionary<string, object> into)
    {
        string key = "";
        object? value = null;
        ForEachField(message, (field, input) =>
        {
            switch (field)
            {
                case 1: key = input.ReadString(); break;
                case 2: value = AnyValue(input.ReadBytes()); break;
                default: input.SkipLastField(); break;
            }
        });
        if (value is not null)
        {
            into[key] = value;
        }
    }

    /// <summary>AnyValue: string 1, bool 2, int 3, double 4, array 5 (of AnyValue, field 1); others as their bytes.</summary>
    private static object? AnyValue(ByteString message)
    {
        object? value = null;
        ForEachField(message, (field, input) =>
        {
            switch (field)
            {
                case 1: value = input.ReadString(); break;
                case 2: value = input.ReadBool(); break;
                case 3: value = input.ReadInt64(); break;
                case 4: value = input.ReadDouble(); break;
                case 5:
                    var items = new List<object>();
                    ForEachField(input.ReadBytes(), (f, i) =>
                    {
                        if (f == 1 && AnyValue(i.ReadBytes()) is { } item)
                        {
                            items.Add(item);
                        }
                        else if (f != 1)
                        {
                            i.SkipLastField();
                        }
                    });
                    value = items.ToArray();
                    break;
                default: input.SkipLastField(); break;
            }
        });
        return value;
    }

    private static void ForEachField(ByteString message, Action<int, CodedInputStream> read) => ForEachField(message.ToByteArray(), read);

    private static void ForEachField(byte[] message, Action<int, CodedInputStream> read)
    {
        var input = new CodedInputStream(message);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            read(WireFormat.GetTagFieldNumber(tag), input);
        }
    }

    private static string Hex(ByteString bytes) => Convert.ToHexStringLower(bytes.Span);
}
