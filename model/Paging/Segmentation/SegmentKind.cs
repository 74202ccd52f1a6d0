namespace MMSpec.Model.Paging.Segmentation;

/// <summary>Descriptor type bit 3 (executable): a code segment or a data segment.</summary>
public enum SegmentKind
{
    Data,
    Code,
}
