using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace MMSpec.Model.Core;

/// <summary>
/// An <see cref="MmError"/> in JSON: {"error": "PfnOutOfRange", "message": "...", ...its fields}. The kind is the
/// error's type name, one of the model's error records; reading takes the fields and ignores the message (which
/// the fields determine).
/// </summary>
public sealed class MmErrorJsonConverter : JsonConverter<MmError>
{
    public const string KindProperty = "error";

    public const string MessageProperty = "message";

    /// <summary>Every error record of the model, by kind.</summary>
    public static FrozenDictionary<string, Type> Kinds { get; } = typeof(MmError).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(MmError)) && !t.IsAbstract)
        .ToFrozenDictionary(t => t.Name, StringComparer.Ordinal);

    public override bool CanConvert(Type typeToConvert) => typeof(MmError).IsAssignableFrom(typeToConvert);

    public override MmError Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var node = JsonNode.Parse(ref reader) as JsonObject
            ?? throw new JsonException("an error must be a JSON object with its kind in \"error\"");
        var kind = node[KindProperty]?.GetValue<string>()
            ?? throw new JsonException("an error needs its kind in \"error\"");
        if (!Kinds.TryGetValue(kind, out var type) || !typeToConvert.IsAssignableFrom(type))
        {
            throw new JsonException($"unknown error kind \"{kind}\"");
        }

        // The message goes too: it is derived from the fields (MmJson reads only what a constructor takes).
        node.Remove(KindProperty);
        node.Remove(MessageProperty);
        // A JSON object never reads as null.
        return (MmError)node.Deserialize(type, FieldsOnly(options))!;
    }

    public override void Write(Utf8JsonWriter writer, MmError value, JsonSerializerOptions options)
    {
        var fields = JsonSerializer.SerializeToNode(value, value.GetType(), FieldsOnly(options))!.AsObject();
        writer.WriteStartObject();
        writer.WriteString(KindProperty, value.GetType().Name);
        writer.WriteString(MessageProperty, value.Message);
        foreach (var (name, field) in fields)
        {
            writer.WritePropertyName(name);
            if (field is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                field.WriteTo(writer, options);
            }
        }

        writer.WriteEndObject();
    }

    /// <summary>The options without this converter (an error's fields go by the default record rules).</summary>
    private static JsonSerializerOptions FieldsOnly(JsonSerializerOptions options) =>
        Cache.GetOrAdd(options, o =>
        {
            var copy = new JsonSerializerOptions(o);
            // The copy locks itself at its first use, as every JsonSerializerOptions does.
            copy.Converters.Remove(copy.Converters.OfType<MmErrorJsonConverter>().Single());
            return copy;
        });

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<JsonSerializerOptions,
        JsonSerializerOptions> Cache = new();
}
