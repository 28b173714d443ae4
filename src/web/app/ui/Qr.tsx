import QRCode from 'qrcode';
import { useEffect, useState } from 'react';

/** A QR code as a data: image (allowed by the CSP's img-src), drawn in the browser: the address never leaves the page. */
export function Qr({ text, label }: { text: string; label: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    QRCode.toDataURL(text, { errorCorrectionLevel: 'M', margin: 2, width: 176 }).then(
      (u) => live && setSrc(u),
      () => live && setSrc(null),
    );
    return () => {
      live = false;
    };
  }, [text]);
  return src === null ? null : <img className="qr" src={src} width={176} height={176} alt={label} />;
}
