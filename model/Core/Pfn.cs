using System.Text.Json;
using System.Text.Json.Serialization;

namespace MMSpec.Model.Core;

/// <summary>A page frame number: physical address / PAGE_SIZE. Never confused with an address or a count.</summary>
[JsonConverter(typeof(JsonScalarConverter<Pfn>))]
public readonly record struct Pfn(ulong Value) : IComparable<Pfn>, IJsonScalar<Pfn>
{
    public static Pfn ReadJson(ref Utf8JsonReader reader) => new(reader.GetUInt64());

    public void WriteJson(Utf8JsonWriter writer) => writer.WriteNumberValue(Value);

    public const int PageShift = 12;
    public const ulong PageSize = 1UL << PageShift;

    public int CompareTo(Pfn other) => Value.CompareTo(other.Value);

    public static bool operator <(Pfn left, Pfn right) => left.Value < right.Value;

    public static bool operator >(Pfn left, Pfn right) => left.Value > right.Value;

    public static bool operator <=(Pfn left, Pfn right) => left.Value <= right.Value;

    public static bool operator >=(Pfn left, Pfn right) => left.Value >= right.Value;

    public override string ToString() => $"0x{Value:x}";
}
