import { useEffect, useRef } from 'react';
import type { ExamplePayload } from '../../worker/protocol';
import { usePlayground } from '../store';

function ExampleImage({ image }: { image: NonNullable<ExamplePayload['image']> }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const data = ctx.createImageData(image.width, image.height);
    for (let i = 0; i < image.width * image.height; i++) {
      const rgb = image.channels === 1 ? [image.pixels[i], image.pixels[i], image.pixels[i]] : [image.pixels[3 * i], image.pixels[3 * i + 1], image.pixels[3 * i + 2]];
      data.data.set([...rgb.map((v) => Math.round(255 * v)), 255], 4 * i);
    }
    ctx.putImageData(data, 0, 0);
  }, [image]);
  return <canvas ref={ref} width={image.width} height={image.height} className="example-image" role="img" aria-label="the example's image" />;
}

export function DatasetPreview() {
  const example = usePlayground((s) => s.example);
  if (!example) return null;
  const correct = example.prediction.filter((p, i) => p === example.target[i]).length;
  const shown = (xs: number[]) => (xs.length > 60 ? `${xs.slice(0, 60).join('')}…` : xs.join(xs.length > 1 && xs.every((v) => v < 2) ? '' : ' '));
  return (
    <section className="panel preview" aria-labelledby="preview-title">
      <h2 id="preview-title">One held-out example</h2>
      {example.image && <ExampleImage image={example.image} />}
      {example.text && !example.image && <pre className="example-text">{example.text.length > 400 ? `${example.text.slice(0, 400)}…` : example.text}</pre>}
      <dl className="example-result">
        <dt>Target</dt>
        <dd data-testid="example-target">{shown(example.target)}</dd>
        <dt>Model says</dt>
        <dd data-testid="example-prediction">{shown(example.prediction)}</dd>
        <dt>Right</dt>
        <dd>
          {correct} of {example.target.length}
        </dd>
      </dl>
    </section>
  );
}
