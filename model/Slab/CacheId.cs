using System.Text.Json;
using System.Text.Json.Serialization;
using MMSpec.Model.Core;

namespace MMSpec.Model.Slab;

/// <summary>
/// The handle kmem_cache_create returns (Linux: a struct kmem_cache pointer). Ids 0..12 are the kmalloc caches,
/// created at boot in size order; later caches take the next id, and an id is never reused.
/// </summary>
[JsonConverter(typeof(JsonScalarConverter<CacheId>))]
public readonly record struct CacheId(int Value) : IJsonScalar<CacheId>
{
    public static CacheId ReadJson(ref Utf8JsonReader reader) => new(reader.GetInt32());

    public void WriteJson(Utf8JsonWriter writer) => writer.WriteNumberValue(Value);

    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A constructor that writes Pattern into the first word of every object of a new slab.</summary>
public readonly record struct CacheCtor(ulong Pattern)
{
    public override string ToString() => $"ctor(0x{Pattern:x})";
}
