namespace QwenTts.Storage.Migrations;

/// <summary>Where a database stands against the schema this build ships.</summary>
public sealed record SchemaStatus(int CurrentVersion, int ExpectedVersion)
{
    public bool IsCurrent => CurrentVersion == ExpectedVersion;

    public bool IsNewerThanThisBuild => CurrentVersion > ExpectedVersion;

    public override string ToString() => IsCurrent
        ? $"schema at version {CurrentVersion} (current)"
        : $"schema at version {CurrentVersion}, this build expects {ExpectedVersion}";
}
