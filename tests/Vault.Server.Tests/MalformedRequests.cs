using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vault.Server.Tests;

/// <summary>One malformed request: where it goes wrong (body, path, query or header) and how to build it.</summary>
public sealed record Malformed(string Name, Func<Uri, HttpRequestMessage> Build)
{
    public override string ToString() => Name;
}

/// <summary>
/// The corpus of malformed requests the every-endpoint test sends: bodies that cannot be read (forms that make the
/// framework throw, unknown charsets, broken, deep, oversized and wrongly typed JSON, invalid UTF-8, control
/// characters), and path and query values that are not what the route expects. Built from an endpoint's method,
/// route template and request schema, so a new endpoint gets it without anyone listing it.
/// </summary>
internal static class MalformedRequests
{
    private static readonly string[] BadPathValues =
        ["not-a-guid", "%00", "%01%1F%7F", "%FF%FE", "..%2F..%2Fetc", "-1", "99999999999999999999999", new string('a', 3000)];

    private static readonly string[] BadQueryValues = ["x", "%00", "%FF", "99999999999999999999999", "-5", "1e3"];

    /// <summary>
    /// Bodies every endpoint must refuse (or ignore, if it reads none) without a server error. Those named "may pass"
    /// can happen to be valid for some endpoint (null for a nullable field, text where text is free).
    /// </summary>
    public static IEnumerable<(string Name, Func<HttpContent> Content)> Bodies(JsonObject? schema, JsonObject? components)
    {
        yield return ("form with NUL", () => Form("x=%00"));
        yield return ("form with 1,100 fields", () => Form(string.Join('&', Enumerable.Range(0, 1100).Select(i => $"f{i}=1"))));
        yield return ("form with a 3,000-character key", () => Form(new string('k', 3000) + "=1"));
        yield return ("form with an unknown charset", () => Raw("a=1", "application/x-www-form-urlencoded; charset=ebcdic"));
        yield return ("multipart without boundary", () => Raw("--x\r\n\r\n", "multipart/form-data"));
        yield return ("multipart garbage", () => Raw("garbage", "multipart/form-data; boundary=b"));
        yield return ("JSON with an unknown charset", () => Raw("{}", "application/json; charset=ebcdic"));
        yield return ("JSON as UTF-16 that is not", () => Raw("{\"a\":1}", "application/json; charset=utf-16"));
        yield return ("JSON broken", () => Json("{not json"));
        yield return ("JSON empty body", () => Json(""));
        yield return ("JSON null", () => Json("null"));
        yield return ("JSON array", () => Json("[]"));
        yield return ("JSON string", () => Json("\"text\""));
        yield return ("JSON nested 10,000 deep", () => Json(new string('[', 10_000) + new string(']', 10_000)));
        yield return ("JSON object nested 200 deep", () => Json(string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + new string('}', 200)));
        yield return ("JSON invalid UTF-8", () => Bytes([.. "{\"a\":\""u8, 0xFF, 0xFE, 0xC0, .. "\"}"u8]));
        yield return ("JSON with NUL in a key", () => Json("{\"\\u0000\":1}"));
        yield return ("JSON 2 MiB", () => Json("{\"a\":\"" + new string('a', 2 * 1024 * 1024) + "\"}"));
        yield return ("text/plain", () => Raw("hello", "text/plain"));
        yield return ("application/xml", () => Raw("<a/>", "application/xml"));
        if (schema is null)
        {
            yield break;
        }
        yield return ("JSON {} (required fields missing)", () => Json("{}"));
        foreach (var (name, value) in WrongValues())
        {
            yield return ($"JSON every field {name}{(value is null ? " (may pass)" : "")}", () => Json(Fill(schema, components, _ => (true, value?.DeepClone())).ToJsonString()));
        }
        yield return ("JSON every string with control characters (may pass)", () => Json(Fill(schema, components,
            type => (type == "string", JsonValue.Create("\u0000\u0007\u001b\u202e"))).ToJsonString()));
        yield return ("JSON every id malformed (may pass)", () => Json(Fill(schema, components,
            type => (type == "uuid", JsonValue.Create("00000000-0000-0000-0000-00000000000g"))).ToJsonString()));
        yield return ("JSON every byte field not base64 (may pass)", () => Json(Fill(schema, components,
            type => (type == "byte", JsonValue.Create("!!not base64!!"))).ToJsonString()));
    }

    public static IEnumerable<(string Name, string Value)> PathValues() => BadPathValues.Select(v => (v.Length > 40 ? "3000 chars" : v, v));

    public static IEnumerable<(string Name, string Value)> QueryValues() => BadQueryValues.Select(v => (v, v));

    private static IEnumerable<(string Name, JsonNode? Value)> WrongValues() =>
    [
        ("an object", new JsonObject { ["x"] = 1 }),
        ("an array", new JsonArray(1, 2)),
        ("a string", JsonValue.Create("x")),
        ("true", JsonValue.Create(true)),
        ("1e400", JsonNode.Parse("1e400")!),
        ("a 30-digit integer", JsonNode.Parse("123456789012345678901234567890")!),
        ("negative", JsonValue.Create(-2147483649L)),
        ("null", null),
    ];

    /// <summary>
    /// An object shaped like the schema, each leaf replaced where <paramref name="leaf"/> (given the leaf's type or
    /// format) says so, else a plausible value. Nested objects are filled the same way.
    /// </summary>
    private static JsonObject Fill(JsonObject schema, JsonObject? components, Func<string, (bool Replace, JsonNode? Value)> leaf,
        int depth = 0)
    {
        var result = new JsonObject();
        schema = Resolve(schema, components);
        if (schema["properties"] is not JsonObject properties)
        {
            return result;
        }
        foreach (var (name, node) in properties)
        {
            var property = Resolve((JsonObject)node!, components);
            var kind = Kind(property);
            if (kind == "object" && depth < 3)
            {
                result[name] = Fill(property, components, leaf, depth + 1);
                continue;
            }
            var (replace, value) = leaf(kind);
            result[name] = replace ? value : Plausible(kind);
        }
        return result;
    }

    private static JsonObject Resolve(JsonObject schema, JsonObject? components) =>
        schema["$ref"]?.GetValue<string>() is { } reference && components?[reference.Split('/').Last()] is JsonObject target
            ? target
            : schema;

    private static string Kind(JsonObject property)
    {
        if (property["format"]?.GetValue<string>() is { } format and ("uuid" or "byte"))
        {
            return format;
        }
        return property["type"] switch
        {
            JsonArray types => types.Select(t => t!.GetValue<string>()).FirstOrDefault(t => t is not "null") ?? "string",
            JsonValue type => type.GetValue<string>(),
            _ => property["$ref"] is not null || property["properties"] is not null ? "object" : "string",
        };
    }

    private static JsonNode? Plausible(string kind) => kind switch
    {
        "uuid" => JsonValue.Create(Guid.NewGuid()),
        "byte" => JsonValue.Create(Convert.ToBase64String(new byte[32])),
        "integer" => JsonValue.Create(1),
        "boolean" => JsonValue.Create(false),
        "array" => new JsonArray(),
        _ => JsonValue.Create("x"),
    };

    private static ByteArrayContent Form(string body) => Raw(body, "application/x-www-form-urlencoded");

    private static ByteArrayContent Json(string body) => Raw(body, "application/json");

    private static ByteArrayContent Bytes(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static ByteArrayContent Raw(string body, string contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return content;
    }

    public static JsonObject? Parse(string json) => JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 256 }) as JsonObject;
}
