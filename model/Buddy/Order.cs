using System.Text.Json;
using System.Text.Json.Serialization;
using MMSpec.Model.Core;

namespace MMSpec.Model.Buddy;

/// <summary>
/// A block of 2^order pages. The constructor takes any int because a caller may ask for a bad order;
/// the allocator answers <see cref="InvalidOrder"/> (Linux: alloc_pages warns and returns NULL above MAX_PAGE_ORDER).
/// </summary>
[JsonConverter(typeof(JsonScalarConverter<Order>))]
public readonly record struct Order(int Value) : IJsonScalar<Order>
{
    public static Order ReadJson(ref Utf8JsonReader reader) => new(reader.GetInt32());

    public void WriteJson(Utf8JsonWriter writer) => writer.WriteNumberValue(Value);

    /// <summary>MAX_PAGE_ORDER (Linux >= 6.8; older kernels: MAX_ORDER - 1).</summary>
    public const int Max = 10;

    /// <summary>NR_PAGE_ORDERS: the number of free lists per zone.</summary>
    public const int Count = Max + 1;

    public bool IsValid => Value is >= 0 and <= Max;

    /// <summary>Pages in a block of this order; only meaningful for a valid order.</summary>
    public ulong Pages => 1UL << Value;

    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
