using Npgsql;

namespace QwenTts.Storage.Tenants;

/// <summary>
/// The blocks of a tenant's characters that frontends hold (one row per tenant and holder), so a new activation of the
/// tenant's quota grain counts what is still out and never grants it twice.
/// </summary>
public sealed class QuotaLeaseStore(NpgsqlDataSource dataSource)
{
    /// <param name="Characters">Granted in all.</param>
    /// <param name="Reserved">Of those, reserved by the holder's requests as of its last request for more.</param>
    public sealed record Lease(string Holder, Guid LeaseId, DateOnly Day, long Characters, long Reserved, DateTimeOffset ExpiresAt)
    {
        /// <summary>Characters the holder may still spend.</summary>
        public long Outstanding => Math.Max(0, Characters - Reserved);
    }

    public async Task SaveAsync(string tenantId, Lease lease, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO quota_leases (tenant_id, holder, lease_id, day, characters, reserved, expires_at) VALUES (@tenant, @holder, @id, @day, @chars, @reserved, @expires) " +
            "ON CONFLICT (tenant_id, holder) DO UPDATE SET lease_id = excluded.lease_id, day = excluded.day, characters = excluded.characters, " +
            "reserved = excluded.reserved, expires_at = excluded.expires_at");
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("holder", lease.Holder);
        command.Parameters.AddWithValue("id", lease.LeaseId);
        command.Parameters.AddWithValue("day", lease.Day);
        command.Parameters.AddWithValue("chars", lease.Characters);
        command.Parameters.AddWithValue("reserved", lease.Reserved);
        command.Parameters.AddWithValue("expires", lease.ExpiresAt);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Removes the holder's row if it is still that lease (a newer grant is left alone).</summary>
    public async Task RemoveAsync(string tenantId, string holder, Guid leaseId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM quota_leases WHERE tenant_id = @tenant AND holder = @holder AND lease_id = @id");
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("holder", holder);
        command.Parameters.AddWithValue("id", leaseId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Removes the tenant's rows that expired before <paramref name="before"/> (their holders stopped spending them).</summary>
    public async Task RemoveExpiredAsync(string tenantId, DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM quota_leases WHERE tenant_id = @tenant AND expires_at < @before");
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("before", before);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The tenant's blocks of <paramref name="day"/> not yet expired at <paramref name="now"/>.</summary>
    public async Task<IReadOnlyList<Lease>> OutstandingAsync(string tenantId, DateOnly day, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT holder, lease_id, day, characters, reserved, expires_at FROM quota_leases WHERE tenant_id = @tenant AND day = @day AND expires_at > @now");
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("day", day);
        command.Parameters.AddWithValue("now", now);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var leases = new List<Lease>();
        while (await reader.ReadAsync(cancellationToken))
        {
            leases.Add(new Lease(reader.GetString(0), reader.GetGuid(1), reader.GetFieldValue<DateOnly>(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetFieldValue<DateTimeOffset>(5)));
        }

        return leases;
    }
}
