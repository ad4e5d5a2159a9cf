using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace QwenTts.Storage.DataProtection;

/// <summary>
/// The ASP.NET Data Protection key ring in PostgreSQL (table <c>data_protection_keys</c>), so every frontend of a
/// cluster seals and opens with the same keys without a shared volume. Keys are only ever added (Data Protection
/// revokes by adding a revocation element), so two frontends writing at once cannot lose each other's keys.
/// The very first key is made by one frontend only: a frontend that finds no key holds an advisory lock until it has
/// stored one, and the others, finding none either, wait on that lock and then read it. Without that, replicas started
/// together on a new database would each make a key and, until their rings next refresh (a day), not open each other's
/// ciphertext. A key ring that lived in a folder before (<c>Robots:KeyDirectory</c>) is copied in once, so what it sealed
/// still opens.
/// </summary>
/// <remarks>IXmlRepository is synchronous by contract; the key ring is read at start and then about once a day.</remarks>
public sealed class PostgresXmlRepository(NpgsqlDataSource dataSource, string? legacyDirectory = null) : IXmlRepository, IDisposable
{
    /// <summary>The advisory lock's key: "QTTS-DPK" in ASCII.</summary>
    private const long FirstKeyLock = 0x515454532D44504B;

    /// <summary>How long a frontend that found no key may hold the others back before it stores one.</summary>
    private static readonly TimeSpan FirstKeyTimeout = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private NpgsqlConnection? _firstKeyHolder;
    private Timer? _firstKeyTimeout;
    private int _imported;

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        ImportLegacyDirectoryOnce();
        using (var connection = dataSource.OpenConnection())
        {
            var elements = Read(connection);
            lock (_gate)
            {
                // With the lock already held here, this frontend is the one making the first key: never wait on itself.
                if (elements.Any(IsKey) || _firstKeyHolder is not null)
                {
                    return elements;
                }
            }
        }

        // No key yet: take the lock and look again; whoever still finds none makes the first key and lets go once it is stored.
        var holder = dataSource.OpenConnection();
        try
        {
            Execute(holder, "SELECT pg_advisory_lock(@key)");
            var elements = Read(holder);
            if (elements.Any(IsKey))
            {
                Release(holder);
                return elements;
            }

            lock (_gate)
            {
                ReleaseFirstKeyLock();
                _firstKeyHolder = holder;
                _firstKeyTimeout = new Timer(_ => { lock (_gate) { ReleaseFirstKeyLock(); } }, null, FirstKeyTimeout, Timeout.InfiniteTimeSpan);
            }

            return elements;
        }
        catch
        {
            holder.Dispose();
            throw;
        }
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        try
        {
            using var command = dataSource.CreateCommand(
                "INSERT INTO data_protection_keys (friendly_name, xml) VALUES (@name, @xml) ON CONFLICT (friendly_name) DO NOTHING");
            command.Parameters.AddWithValue("name", friendlyName);
            command.Parameters.AddWithValue("xml", element.ToString(SaveOptions.DisableFormatting));
            command.ExecuteNonQuery();
        }
        finally
        {
            lock (_gate)
            {
                ReleaseFirstKeyLock();
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            ReleaseFirstKeyLock();
        }
    }

    private static List<XElement> Read(NpgsqlConnection connection)
    {
        using var command = new NpgsqlCommand("SELECT xml FROM data_protection_keys ORDER BY id", connection);
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
        }

        return elements;
    }

    private static bool IsKey(XElement element) => element.Name.LocalName == "key";

    private void ReleaseFirstKeyLock()
    {
        _firstKeyTimeout?.Dispose();
        _firstKeyTimeout = null;
        if (_firstKeyHolder is { } holder)
        {
            _firstKeyHolder = null;
            Release(holder);
        }
    }

    private static void Release(NpgsqlConnection holder)
    {
        try
        {
            Execute(holder, "SELECT pg_advisory_unlock(@key)");
        }
        catch (NpgsqlException)
        {
            // The session ends with the connection's disposal, and its lock with it.
        }
        finally
        {
            holder.Dispose();
        }
    }

    private static void Execute(NpgsqlConnection connection, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("key", FirstKeyLock);
        command.ExecuteNonQuery();
    }

    /// <summary>The file names the folder repository used ("key-{id}") become the friendly names, so each key is copied once.</summary>
    private void ImportLegacyDirectoryOnce()
    {
        if (legacyDirectory is null || !Directory.Exists(legacyDirectory) || Interlocked.Exchange(ref _imported, 1) == 1)
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(legacyDirectory, "*.xml").Order(StringComparer.Ordinal))
        {
            using var command = dataSource.CreateCommand(
                "INSERT INTO data_protection_keys (friendly_name, xml) VALUES (@name, @xml) ON CONFLICT (friendly_name) DO NOTHING");
            command.Parameters.AddWithValue("name", Path.GetFileNameWithoutExtension(file));
            command.Parameters.AddWithValue("xml", XElement.Load(file).ToString(SaveOptions.DisableFormatting));
            command.ExecuteNonQuery();
        }
    }
}
