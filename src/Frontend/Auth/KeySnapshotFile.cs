using System.Text.Json;

namespace QwenTts.Frontend.Auth;

/// <summary>
/// The last key snapshot on local disk (api-key-snapshot.json, owner-only), written atomically after each refresh and
/// read at start when PostgreSQL does not answer. It holds key hashes and tenants' quotas, never keys.
/// </summary>
public sealed class KeySnapshotFile(string directory)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Path { get; } = System.IO.Path.Combine(directory, "api-key-snapshot.json");

    public async Task WriteAsync(KeySnapshot snapshot, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var temporary = Path + ".tmp";
        await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            await JsonSerializer.SerializeAsync(stream, snapshot, Json, cancellationToken);
        }

        File.Move(temporary, Path, overwrite: true);
    }

    /// <summary>The snapshot, or null when there is none; throws JsonException or IOException when it cannot be read.</summary>
    public async Task<KeySnapshot?> ReadAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Path))
        {
            return null;
        }

        await using var stream = File.OpenRead(Path);
        return await JsonSerializer.DeserializeAsync<KeySnapshot>(stream, Json, cancellationToken);
    }
}
