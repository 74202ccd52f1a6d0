using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace MMSpec.Model.Core;

/// <summary>
/// The JSON form of operations, results, errors and snapshots: what a trace saves and another process reads.
/// Quantities are plain numbers (a pfn, an order, an id) or, for addresses, hex strings ("0xffffc90000000000"),
/// which no JSON reader rounds; enums are their names in snake case, a [Flags] enum its flags' names joined by ", "
/// ("present, read_write, user"); an error is an object with its kind (the error's type name, in "error"), its
/// message and its fields. A value is what its constructor takes: a property derived from the others (a block's end,
/// a layout's zones) is not written. Property names are snake case; an unknown or missing one is an error.
/// </summary>
public static class MmJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>
    /// The value the JSON text holds; a <see cref="JsonException"/> names what is malformed, including a value its
    /// constructor refuses (a layout whose zones are out of order).
    /// </summary>
    public static T Deserialize<T>(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options)
                ?? throw new JsonException($"null where a {typeof(T).Name} was expected");
        }
        catch (ArgumentException refused)
        {
            throw new JsonException($"not a valid {typeof(T).Name}: {refused.Message}", refused);
        }
    }

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { ConstructorMembersOnly } },
        };
        options.Converters.Add(
            new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        options.Converters.Add(new MmErrorJsonConverter());
        options.Converters.Add(new ResultJsonConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>
    /// Of an object, the members its constructor takes, each required (a parameter with a default too), and the ones
    /// it can set; a read-only property no parameter sets is derived (an error's message), so neither written nor read.
    /// </summary>
    private static void ConstructorMembersOnly(JsonTypeInfo type)
    {
        if (type.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        for (var i = type.Properties.Count - 1; i >= 0; i--)
        {
            var property = type.Properties[i];
            if (property.AssociatedParameter is not null)
            {
                property.IsRequired = true;
            }
            else if (property.Set is null)
            {
                type.Properties.RemoveAt(i);
            }
        }
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

/// <summary>
/// An address the model keeps as a plain ulong (a VMA's bounds, a page's address, brk, a vmalloc area's start, a
/// PDE-cache region), in JSON as a <see cref="VirtAddr"/>: a hex string.
/// </summary>
public sealed class AddressJsonConverter : JsonConverter<ulong>
{
    public override ulong Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        VirtAddr.ReadJson(ref reader).Value;

    public override void Write(Utf8JsonWriter writer, ulong value, JsonSerializerOptions options) =>
        new VirtAddr(value).WriteJson(writer);
}
