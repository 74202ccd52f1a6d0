using System.Text.Json;
using System.Text.Json.Serialization;

namespace MMSpec.Model.Core;

/// <summary>
/// The JSON form of operations, results and errors: what a trace saves and another process reads. Quantities are
/// plain numbers (a pfn, an order, an id) or, for addresses, hex strings ("0xffffc90000000000"), which no JSON
/// reader rounds; enums are their names in snake case; an error is an object with its kind (the error's type name,
/// in "error"), its message and its fields. Property names are snake case; an unknown or missing one is an error.
/// </summary>
public static class MmJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>The value the JSON text holds; a <see cref="JsonException"/> names what is malformed.</summary>
    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options)
        ?? throw new JsonException($"null where a {typeof(T).Name} was expected");

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        };
        options.Converters.Add(
            new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        options.Converters.Add(new MmErrorJsonConverter());
        options.Converters.Add(new ResultJsonConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

/// <summary>A quantity that travels in JSON as one scalar (see <see cref="MmJson"/>).</summary>
public interface IJsonScalar<TSelf>
    where TSelf : IJsonScalar<TSelf>
{
    static abstract TSelf ReadJson(ref Utf8JsonReader reader);

    void WriteJson(Utf8JsonWriter writer);
}

/// <summary>The converter every <see cref="IJsonScalar{TSelf}"/> names in its JsonConverter attribute.</summary>
public sealed class JsonScalarConverter<T> : JsonConverter<T>
    where T : IJsonScalar<T>
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        T.ReadJson(ref reader);

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
        value.WriteJson(writer);
}
