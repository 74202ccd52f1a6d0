namespace MMSpec.Model.Buddy;

/// <summary>The x86-64 zones, lowest first (enum zone_type). A request names the highest zone it may use.</summary>
public enum ZoneType
{
    Dma = 0,
    Dma32 = 1,
    Normal = 2,
}

/// <summary>The name /proc/buddyinfo prints for a zone (zone_names[] in mm/page_alloc.c).</summary>
public static class ZoneNames
{
    public static string Of(ZoneType zone) => zone switch
    {
        ZoneType.Dma => "DMA",
        ZoneType.Dma32 => "DMA32",
        ZoneType.Normal => "Normal",
        _ => throw new ArgumentOutOfRangeException(nameof(zone)),
    };
}
