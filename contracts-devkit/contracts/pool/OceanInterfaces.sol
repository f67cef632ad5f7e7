// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// The parts of Ocean Protocol's v4 contracts (@oceanprotocol/contracts 2.x) a DataPool calls.

/// @notice Ocean's ERC20Template (a datatoken).
interface IOceanDatatoken {
    function getERC721Address() external view returns (address);
    function getPaymentCollector() external view returns (address);
}

/// @notice Ocean's ERC721Factory: knows every datatoken it created.
interface IOceanFactory {
    function erc20List(address datatoken) external view returns (bool);
}

/// @notice Ocean's FixedRateExchange.
interface IOceanFixedRateExchange {
    function getExchange(bytes32 exchangeId)
        external
        view
        returns (
            address exchangeOwner,
            address datatoken,
            uint256 dtDecimals,
            address baseToken,
            uint256 btDecimals,
            uint256 fixedRate,
            bool active,
            uint256 dtSupply,
            uint256 btSupply,
            uint256 dtBalance,
            uint256 btBalance,
            bool withMint
        );
    function setRate(bytes32 exchangeId, uint256 newRate) external;
    function toggleExchangeState(bytes32 exchangeId) external;
    function collectBT(bytes32 exchangeId, uint256 amount) external;
}
