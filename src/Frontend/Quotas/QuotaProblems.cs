using QwenTts.Frontend.Problems;
using QwenTts.Storage.Tenants;

namespace QwenTts.Frontend.Quotas;

public static class QuotaProblems
{
    /// <summary>Takes one request from the tenant's per-minute allowance; the 429 problem when there is none left.</summary>
    public static async Task<ApiProblem?> TakeRequestAsync(this TenantQuotas quotas, Tenant tenant)
    {
        var rate = await quotas.AcquireRequestAsync(tenant);
        return rate.Allowed ? null : new ApiProblem(StatusCodes.Status429TooManyRequests, "Too many requests", rate.Reason!, rate.RetryAfter);
    }
}
