using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using QwenTts.Frontend.Auth;
using QwenTts.Frontend.Problems;
using QwenTts.Storage.Lexicons;

namespace QwenTts.Frontend.Lexicons;

/// <summary>
/// /v1/lexicons: a tenant's pronunciation lexicons (grapheme -> alias), named, stored in PostgreSQL, applied to the
/// text of a speech request or job that names them in "lexicons". Another tenant's lexicon reads as absent (404).
/// </summary>
public static partial class LexiconEndpoints
{
    public static RouteGroupBuilder MapLexiconEndpoints(this RouteGroupBuilder api)
    {
        var lexicons = api.MapGroup("/lexicons").WithTags("Lexicons");
        lexicons.MapPost("/", CreateAsync).WithName("CreateLexicon").WithSummary("Create a lexicon {name, entries: [{grapheme, alias}]}")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
        lexicons.MapGet("/", ListAsync).WithName("ListLexicons").WithSummary("Your tenant's lexicons by name, without their entries");
        lexicons.MapGet("/{name}", GetAsync).WithName("GetLexicon").ProducesProblem(StatusCodes.Status404NotFound);
        lexicons.MapPut("/{name}", ReplaceAsync).WithName("ReplaceLexicon").WithSummary("Replace a lexicon's entries")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        lexicons.MapDelete("/{name}", DeleteAsync).WithName("DeleteLexicon").ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<IResult> CreateAsync(LexiconRequest? request, HttpContext context, LexiconStore store, IOptions<LexiconLimits> limits)
    {
        if (request?.Name is not { } name || !ValidName().IsMatch(name))
        {
            return ApiProblem.BadRequest("name is required: lower-case letters, digits, '-' and '_', starting with a letter or digit, at most 64 characters.")
                .ToResult(context);
        }

        if (Check(request.Entries, limits.Value) is { } problem)
        {
            return ApiProblem.BadRequest(problem).ToResult(context);
        }

        var tenant = context.Tenant().Id;
        if (await store.CountAsync(tenant, context.RequestAborted) >= limits.Value.MaxLexiconsPerTenant)
        {
            return ApiProblem.BadRequest($"your tenant has {limits.Value.MaxLexiconsPerTenant} lexicons, the limit; delete one first.").ToResult(context);
        }

        if (!await store.AddAsync(tenant, name, request.Entries!, context.RequestAborted))
        {
            return new ApiProblem(StatusCodes.Status409Conflict, "Lexicon exists", $"lexicon '{name}' exists; replace it with PUT /v1/lexicons/{name}.")
                .ToResult(context);
        }

        return TypedResults.Ok(LexiconResponse.Of((await store.GetAsync(tenant, name, context.RequestAborted))!));
    }

    private static async Task<IResult> ListAsync(HttpContext context, LexiconStore store) =>
        TypedResults.Ok(new LexiconList("list", (await store.ListAsync(context.Tenant().Id, context.RequestAborted)).Select(LexiconSummary.Of).ToArray()));

    private static async Task<IResult> GetAsync(string name, HttpContext context, LexiconStore store) =>
        await store.GetAsync(context.Tenant().Id, name, context.RequestAborted) is { } lexicon
            ? TypedResults.Ok(LexiconResponse.Of(lexicon))
            : NotFound(name).ToResult(context);

    private static async Task<IResult> ReplaceAsync(string name, LexiconRequest? request, HttpContext context, LexiconStore store, IOptions<LexiconLimits> limits)
    {
        if (request?.Name is { } other && other != name)
        {
            return ApiProblem.BadRequest($"name '{other}' in the body differs from '{name}' in the path; lexicons are not renamed (create a new one).")
                .ToResult(context);
        }

        if (Check(request?.Entries, limits.Value) is { } problem)
        {
            return ApiProblem.BadRequest(problem).ToResult(context);
        }

        return await store.ReplaceAsync(context.Tenant().Id, name, request!.Entries!, context.RequestAborted) is { } lexicon
            ? TypedResults.Ok(LexiconResponse.Of(lexicon))
            : NotFound(name).ToResult(context);
    }

    private static async Task<IResult> DeleteAsync(string name, HttpContext context, LexiconStore store) =>
        await store.DeleteAsync(context.Tenant().Id, name, context.RequestAborted)
            ? TypedResults.Ok(new LexiconDeleted(name, "lexicon", true))
            : NotFound(name).ToResult(context);

    /// <summary>A 400's detail for entries out of the limits, naming the entry; null when they are fine.</summary>
    private static string? Check(LexiconEntry[]? entries, LexiconLimits limits)
    {
        if (entries is null || entries.Length == 0)
        {
            return "entries is required: a list of {\"grapheme\": \"...\", \"alias\": \"...\"}, at least one.";
        }

        if (entries.Length > limits.MaxEntriesPerLexicon)
        {
            return $"entries has {entries.Length} entries; the limit is {limits.MaxEntriesPerLexicon} a lexicon.";
        }

        for (var i = 0; i < entries.Length; i++)
        {
            var (grapheme, alias) = (entries[i]?.Grapheme, entries[i]?.Alias);
            if (string.IsNullOrWhiteSpace(grapheme) || grapheme.Length > limits.MaxGraphemeCharacters)
            {
                return $"entries[{i}].grapheme is required and at most {limits.MaxGraphemeCharacters} characters.";
            }

            if (alias is null || alias.Length > limits.MaxAliasCharacters)
            {
                return $"entries[{i}].alias is required and at most {limits.MaxAliasCharacters} characters (it may be empty: the grapheme is then not spoken).";
            }

            if (grapheme != grapheme.Trim())
            {
                return $"entries[{i}].grapheme '{grapheme}' has spaces at its ends; send it without them.";
            }
        }

        return entries.GroupBy(e => e.Grapheme, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice
            ? $"entries has the grapheme '{twice.Key}' more than once."
            : null;
    }

    private static ApiProblem NotFound(string name) => ApiProblem.NotFound($"lexicon '{name}' does not exist for your tenant (see GET /v1/lexicons).");

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$")]
    private static partial Regex ValidName();
}
