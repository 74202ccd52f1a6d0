using System.Text.Json;
using System.Text.Json.Serialization;
using MMSpec.Model.Core;

namespace MMSpec.Model.Paging;

/// <summary>An address space (an mm_struct), by number.</summary>
[JsonConverter(typeof(JsonScalarConverter<AsId>))]
public readonly record struct AsId(int Value) : IJsonScalar<AsId>
{
    public static AsId ReadJson(ref Utf8JsonReader reader) => new(reader.GetInt32());

    public void WriteJson(Utf8JsonWriter writer) => writer.WriteNumberValue(Value);

    public override string ToString() => $"mm{Value}";
}

/// <summary>
/// What a shared page belongs to: a regular file, or the shmem object behind one MAP_SHARED|MAP_ANONYMOUS mmap.
/// </summary>
public readonly record struct MappedObject(bool Shmem, int Id) : IComparable<MappedObject>
{
    public int CompareTo(MappedObject other) => (Shmem, Id).CompareTo((other.Shmem, other.Id));

    public static bool operator <(MappedObject left, MappedObject right) => left.CompareTo(right) < 0;

    public static bool operator >(MappedObject left, MappedObject right) => left.CompareTo(right) > 0;

    public static bool operator <=(MappedObject left, MappedObject right) => left.CompareTo(right) <= 0;

    public static bool operator >=(MappedObject left, MappedObject right) => left.CompareTo(right) >= 0;

    public override string ToString() => Shmem ? $"shmem{Id}" : $"file{Id}";
}
