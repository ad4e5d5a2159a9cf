using QwenTts.Storage.Tenants;

namespace QwenTts.Frontend.Auth;

/// <summary>Every key known at one moment, from one database (host:port/database, no credentials).</summary>
public sealed record KeySnapshot(DateTimeOffset TakenAt, string Source, IReadOnlyList<KnownApiKey> Keys);
