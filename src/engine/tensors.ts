/** A tensor held on the host (CPU memory) before upload: shape plus row-major float32 values. */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

export type TensorMap = Map<string, HostTensor>;
