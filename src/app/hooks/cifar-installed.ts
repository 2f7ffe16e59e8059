import { useEffect, useState } from 'react';

/** CIFAR-10 is offered only where its files are served (README, Datasets). */
export function useCifarInstalled(): boolean {
  const [installed, setInstalled] = useState(false);
  useEffect(() => {
    fetch('/data/cifar-10-batches-bin/test_batch.bin', { method: 'HEAD' })
      .then((res) => setInstalled(res.ok))
      .catch(() => setInstalled(false));
  }, []);
  return installed;
}
